//===- Zip.cpp - zip archives in memory -----------------------------------===//
//
// The zip records (APPNOTE.TXT): local headers before each member's data,
// then the central directory, then its end record; zip64 adds a locator and
// an end record of 64-bit fields, and an extra field in the directory
// entries whose 32-bit sizes or offset read 0xffffffff.
//
//===----------------------------------------------------------------------===//

#include "Zip.h"

#include "ByteOrder.h"
#include "Deflate.h"

#include <algorithm>

using namespace bitsink::support;

/// Reads the zip64 extended information of a central directory entry: only
/// the fields whose 32-bit value is 0xffffffff are present, in this order.
static bool readZip64Extra(const unsigned char *extra, size_t len,
                           ZipEntry &entry, bool needSize, bool needCompressed,
                           bool needOffset) {
  size_t i = 0;
  while (i + 4 <= len) {
    uint16_t id = readLE16(extra + i), size = readLE16(extra + i + 2);
    if (i + 4 + size > len)
      return false;
    if (id == 0x0001) {
      const unsigned char *q = extra + i + 4, *qEnd = q + size;
      auto take = [&](uint64_t &v) {
        if (q + 8 > qEnd)
          return false;
        v = readLE64(q);
        q += 8;
        return true;
      };
      if ((needSize && !take(entry.size)) ||
          (needCompressed && !take(entry.compressedSize)) ||
          (needOffset && !take(entry.localOffset)))
        return false;
      return true;
    }
    i += 4 + size;
  }
  return !needSize && !needCompressed && !needOffset;
}

bool bitsink::support::readZipDirectory(const std::vector<char> &file,
                                        std::vector<ZipEntry> &entries,
                                        std::string &error) {
  const auto *u = reinterpret_cast<const unsigned char *>(file.data());
  size_t size = file.size();
  // The end-of-central-directory record is 22 bytes plus a comment of up to
  // 64 KiB at the end of the file.
  if (size < 22) {
    error = "not a zip archive (too short)";
    return false;
  }
  size_t eocd = std::string::npos;
  size_t lowest = size >= 22 + 0xffff ? size - 22 - 0xffff : 0;
  for (size_t i = size - 22 + 1; i-- > lowest;) {
    if (readLE32(u + i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) {
    error = "not a zip archive (no end of central directory)";
    return false;
  }
  uint64_t count = readLE16(u + eocd + 10);
  uint64_t dirSize = readLE32(u + eocd + 12);
  uint64_t dirOffset = readLE32(u + eocd + 16);
  if (count == 0xffff || dirSize == 0xffffffff || dirOffset == 0xffffffff) {
    // Zip64: a locator just before the record points at the zip64 record.
    if (eocd < 20 || readLE32(u + eocd - 20) != 0x07064b50) {
      error = "corrupt zip64 archive (no zip64 locator)";
      return false;
    }
    uint64_t rec = readLE64(u + eocd - 20 + 8);
    if (rec > size || size - rec < 56 || readLE32(u + rec) != 0x06064b50) {
      error = "corrupt zip64 archive (bad zip64 end record)";
      return false;
    }
    count = readLE64(u + rec + 32);
    dirSize = readLE64(u + rec + 40);
    dirOffset = readLE64(u + rec + 48);
  }
  if (dirOffset > size || dirSize > size - dirOffset) {
    error = "corrupt zip archive (central directory outside the file)";
    return false;
  }
  size_t p = dirOffset, dirEnd = dirOffset + dirSize;
  for (uint64_t n = 0; n < count; ++n) {
    if (dirEnd - p < 46 || readLE32(u + p) != 0x02014b50) {
      error = "corrupt zip archive (bad central directory entry)";
      return false;
    }
    ZipEntry e;
    e.flags = readLE16(u + p + 8);
    e.method = readLE16(u + p + 10);
    e.crc = readLE32(u + p + 16);
    e.compressedSize = readLE32(u + p + 20);
    e.size = readLE32(u + p + 24);
    size_t nameLen = readLE16(u + p + 28), extraLen = readLE16(u + p + 30),
           commentLen = readLE16(u + p + 32);
    e.localOffset = readLE32(u + p + 42);
    if (dirEnd - p - 46 < nameLen + extraLen + commentLen) {
      error = "corrupt zip archive (truncated central directory entry)";
      return false;
    }
    e.name.assign(file.data() + p + 46, nameLen);
    bool needSize = e.size == 0xffffffff,
         needCompressed = e.compressedSize == 0xffffffff,
         needOffset = e.localOffset == 0xffffffff;
    if (!readZip64Extra(u + p + 46 + nameLen, extraLen, e, needSize,
                        needCompressed, needOffset)) {
      error = "corrupt zip archive (bad zip64 field of '" + e.name + "')";
      return false;
    }
    entries.push_back(std::move(e));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return true;
}

bool bitsink::support::extractZipMember(const std::vector<char> &file,
                                        const ZipEntry &e,
                                        std::vector<char> &out,
                                        std::string &error) {
  const auto *u = reinterpret_cast<const unsigned char *>(file.data());
  size_t size = file.size();
  if (e.flags & 1) {
    error = "member '" + e.name + "' is encrypted";
    return false;
  }
  if (e.localOffset > size || size - e.localOffset < 30 ||
      readLE32(u + e.localOffset) != 0x04034b50) {
    error = "corrupt zip archive (bad local header of '" + e.name + "')";
    return false;
  }
  uint64_t dataOffset = e.localOffset + 30 + readLE16(u + e.localOffset + 26) +
                        readLE16(u + e.localOffset + 28);
  if (dataOffset > size || e.compressedSize > size - dataOffset) {
    error = "corrupt zip archive (data of '" + e.name + "' is truncated)";
    return false;
  }
  const char *data = file.data() + dataOffset;
  if (e.method == 0) {
    if (e.compressedSize != e.size) {
      error = "corrupt zip archive (stored member '" + e.name +
              "' has different sizes)";
      return false;
    }
    out.assign(data, data + e.size);
  } else if (e.method == 8) {
    // Deflate expands at most ~1032:1; a larger claim is a corrupt header
    // and must not turn into a huge allocation.
    if (e.size > e.compressedSize * 1032 + 1024) {
      error = "corrupt zip archive (impossible size of '" + e.name + "')";
      return false;
    }
    out.assign(e.size, 0);
    if (!inflateRaw(data, e.compressedSize, out.data(), e.size,
                    "member '" + e.name + "'", error))
      return false;
  } else {
    error = "member '" + e.name + "' uses unsupported compression method " +
            std::to_string(e.method);
    return false;
  }
  if (crc32Of(out.data(), out.size()) != e.crc) {
    error = "CRC mismatch in member '" + e.name + "'";
    return false;
  }
  return true;
}

bool ZipWriter::add(const std::string &name, const std::vector<char> &data,
                    const std::vector<char> *deflated) {
  const std::vector<char> &payload = deflated ? *deflated : data;
  if (data.size() >= 0xffffffffu || payload.size() >= 0xffffffffu ||
      file.size() >= 0xffffffffu || name.size() > 0xffff)
    return false;
  // 1980-01-01 00:00, the zip epoch: archives are byte-reproducible.
  const uint32_t dosTime = 0, dosDate = (1 << 5) | 1;
  ByteWriter w{file}, d{directory};
  uint32_t crc = crc32Of(data.data(), data.size());
  uint16_t method = deflated ? 8 : 0;
  uint32_t offset = static_cast<uint32_t>(file.size());
  w.u32(0x04034b50);
  w.u16(20);
  w.u16(0);
  w.u16(method);
  w.u16(dosTime);
  w.u16(dosDate);
  w.u32(crc);
  w.u32(static_cast<uint32_t>(payload.size()));
  w.u32(static_cast<uint32_t>(data.size()));
  w.u16(static_cast<uint32_t>(name.size()));
  w.u16(0);
  file.insert(file.end(), name.begin(), name.end());
  file.insert(file.end(), payload.begin(), payload.end());

  d.u32(0x02014b50);
  d.u16(20);
  d.u16(20);
  d.u16(0);
  d.u16(method);
  d.u16(dosTime);
  d.u16(dosDate);
  d.u32(crc);
  d.u32(static_cast<uint32_t>(payload.size()));
  d.u32(static_cast<uint32_t>(data.size()));
  d.u16(static_cast<uint32_t>(name.size()));
  d.u16(0); // extra
  d.u16(0); // comment
  d.u16(0); // disk
  d.u16(0); // internal attributes
  d.u32(0); // external attributes
  d.u32(offset);
  directory.insert(directory.end(), name.begin(), name.end());
  ++count;
  return true;
}

bool ZipWriter::finish(std::vector<char> &archive) {
  if (count > 0xfffe || file.size() >= 0xffffffffu ||
      directory.size() >= 0xffffffffu)
    return false;
  uint32_t dirOffset = static_cast<uint32_t>(file.size());
  file.insert(file.end(), directory.begin(), directory.end());
  ByteWriter w{file};
  w.u32(0x06054b50);
  w.u16(0);
  w.u16(0);
  w.u16(static_cast<uint32_t>(count));
  w.u16(static_cast<uint32_t>(count));
  w.u32(static_cast<uint32_t>(directory.size()));
  w.u32(dirOffset);
  w.u16(0);
  archive = std::move(file);
  file.clear();
  directory.clear();
  count = 0;
  return true;
}
