//===- Zip.h - zip archives in memory ---------------------------*- C++ -*-===//
//
// Internal to lib/Support: the zip container of .npz files. The reader takes
// sizes and offsets from the central directory (numpy writes zip64 local
// headers whose sizes are placeholders) and understands zip64; members are
// stored or deflated. The writer produces archives without zip64.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_SUPPORT_ZIP_H
#define BITSINK_LIB_SUPPORT_ZIP_H

#include <cstdint>
#include <string>
#include <vector>

namespace bitsink::support {

/// One member, as its central directory entry (with the zip64 extended
/// information applied) describes it.
struct ZipEntry {
  std::string name;
  uint16_t flags, method;
  uint32_t crc;
  uint64_t compressedSize, size, localOffset;
};

/// Reads the central directory of the archive image `file`.
bool readZipDirectory(const std::vector<char> &file,
                      std::vector<ZipEntry> &entries, std::string &error);

/// The uncompressed bytes of member `entry` of `file` (stored or deflated),
/// checked against the member's CRC-32.
bool extractZipMember(const std::vector<char> &file, const ZipEntry &entry,
                      std::vector<char> &out, std::string &error);

/// Builds an archive in memory. Every timestamp is the zip epoch
/// (1980-01-01 00:00), so the same members give the same bytes.
class ZipWriter {
public:
  /// Appends member `name` holding `data`: stored, or deflated when
  /// `deflated` points at the raw deflate stream of `data`. Returns false,
  /// adding nothing, when the member would need zip64.
  bool add(const std::string &name, const std::vector<char> &data,
           const std::vector<char> *deflated);

  /// The archive: the members, the central directory and its end record.
  /// Returns false when the archive would need zip64.
  bool finish(std::vector<char> &archive);

private:
  std::vector<char> file, directory;
  uint64_t count = 0;
};

} // namespace bitsink::support

#endif // BITSINK_LIB_SUPPORT_ZIP_H
