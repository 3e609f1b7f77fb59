//===- Npz.cpp - .npz archives --------------------------------------------===//
//
// An .npz file is a zip archive of .npy members named "<key>.npy", stored
// (numpy.savez) or deflated (numpy.savez_compressed). The zip container is
// in Zip.cpp, the .npy images in Npy.cpp.
//
//===----------------------------------------------------------------------===//

#include "NpyInternal.h"

#include "Deflate.h"
#include "Zip.h"

using namespace bitsink;
using namespace bitsink::npy;

bool bitsink::npy::parseNpz(const std::vector<char> &file,
                            std::map<std::string, Array> &arrays,
                            std::string &error) {
  std::vector<support::ZipEntry> entries;
  if (!support::readZipDirectory(file, entries, error))
    return false;
  arrays.clear();
  for (const support::ZipEntry &e : entries) {
    if (!e.name.empty() && e.name.back() == '/')
      continue; // A directory entry.
    std::string key = e.name;
    if (key.size() < 4 || key.compare(key.size() - 4, 4, ".npy") != 0) {
      error = "member '" + e.name + "' is not a .npy file";
      return false;
    }
    key.resize(key.size() - 4);
    std::vector<char> bytes;
    Array array;
    if (!support::extractZipMember(file, e, bytes, error) ||
        !parseNpy(bytes.data(), bytes.size(), array, error)) {
      if (error.find(e.name) == std::string::npos)
        error = "member '" + e.name + "': " + error;
      return false;
    }
    if (!arrays.emplace(key, std::move(array)).second) {
      error = "duplicate member '" + e.name + "'";
      return false;
    }
  }
  return true;
}

bool bitsink::npy::readNpz(const std::string &path,
                           std::map<std::string, Array> &arrays,
                           std::string &error) {
  std::vector<char> file;
  if (!detail::readFile(path, file, error))
    return false;
  if (!parseNpz(file, arrays, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool bitsink::npy::writeNpz(const std::string &path,
                            const std::map<std::string, Array> &arrays,
                            std::string &error) {
  return writeNpz(path, arrays, /*compressed=*/false, error);
}

bool bitsink::npy::writeNpz(const std::string &path,
                            const std::map<std::string, Array> &arrays,
                            bool compressed, std::string &error) {
  support::ZipWriter zip;
  for (const auto &[key, array] : arrays) {
    std::vector<char> npy, deflated;
    if (!detail::serializeNpy(array, npy, error)) {
      error = path + ": array '" + key + "': " + error;
      return false;
    }
    if (compressed && !support::deflateRaw(npy, deflated, error))
      return false;
    if (!zip.add(key + ".npy", npy, compressed ? &deflated : nullptr)) {
      error = path + ": array '" + key +
              "' is too large for a zip archive without zip64";
      return false;
    }
  }
  std::vector<char> file;
  if (!zip.finish(file)) {
    error = path + ": too large for a zip archive without zip64";
    return false;
  }
  return detail::writeFile(path, file, error);
}
