//===- ZipTest.cpp - the zip container and the deflate wrapper ------------===//
//
// The pieces under .npz (lib/Support/Zip.h, Deflate.h) on their own: raw
// deflate round trips and corrupt streams, the CRC-32 check value, stored
// versus deflated members, reproducible archives, zip64 directories as
// numpy writes them for large arrays, and the refusals of the reader.
//
//===----------------------------------------------------------------------===//

#include "Zip.h"
#include "Deflate.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <string>
#include <vector>

using namespace bitsink::support;

namespace {

std::vector<char> bytesOf(const std::string &s) {
  return std::vector<char>(s.begin(), s.end());
}

/// Highly compressible bytes with some structure.
std::vector<char> sampleData(size_t n) {
  std::vector<char> data(n);
  for (size_t i = 0; i < n; ++i)
    data[i] = static_cast<char>((i * 7) % 13);
  return data;
}

void putLE(std::vector<char> &out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

TEST(Deflate, Crc32CheckValue) {
  std::string check = "123456789";
  EXPECT_EQ(crc32Of(check.data(), check.size()), 0xcbf43926u);
  EXPECT_EQ(crc32Of(nullptr, 0), 0u);
}

TEST(Deflate, RoundTrips) {
  std::vector<char> data = sampleData(100000), packed, back;
  std::string error;
  ASSERT_TRUE(deflateRaw(data, packed, error)) << error;
  EXPECT_LT(packed.size(), data.size() / 10);
  back.assign(data.size(), 0);
  ASSERT_TRUE(inflateRaw(packed.data(), packed.size(), back.data(), back.size(),
                         "the sample", error))
      << error;
  EXPECT_EQ(back, data);
}

TEST(Deflate, RejectsWrongSizesAndCorruptStreams) {
  std::vector<char> data = sampleData(4096), packed;
  std::string error;
  ASSERT_TRUE(deflateRaw(data, packed, error)) << error;
  std::vector<char> out(data.size() + 1);
  // The stream ends before the claimed size is reached.
  EXPECT_FALSE(inflateRaw(packed.data(), packed.size(), out.data(),
                          data.size() + 1, "member 'x'", error));
  EXPECT_EQ(error, "corrupt deflate data in member 'x'");
  // The stream holds more than the claimed size.
  EXPECT_FALSE(inflateRaw(packed.data(), packed.size(), out.data(),
                          data.size() - 1, "y", error));
  EXPECT_EQ(error, "corrupt deflate data in y");
  // A truncated stream.
  EXPECT_FALSE(inflateRaw(packed.data(), packed.size() / 2, out.data(),
                          data.size(), "z", error));
  // Block type 3 is reserved: invalid from the first byte.
  std::vector<char> bad = {'\x07', '\x00'};
  EXPECT_FALSE(inflateRaw(bad.data(), bad.size(), out.data(), 1, "bad", error));
  EXPECT_EQ(error, "corrupt deflate data in bad");
}

TEST(Zip, StoredAndDeflatedMembers) {
  std::vector<char> text = bytesOf("stored bytes, kept verbatim");
  std::vector<char> big = sampleData(5000), deflated;
  std::string error;
  ASSERT_TRUE(deflateRaw(big, deflated, error)) << error;
  ZipWriter writer;
  ASSERT_TRUE(writer.add("a.npy", text, nullptr));
  ASSERT_TRUE(writer.add("dir/b.npy", big, &deflated));
  std::vector<char> archive;
  ASSERT_TRUE(writer.finish(archive));

  // A stored member's bytes sit in the archive as they are.
  EXPECT_NE(
      std::search(archive.begin(), archive.end(), text.begin(), text.end()),
      archive.end());
  EXPECT_LT(archive.size(), big.size());

  std::vector<ZipEntry> entries;
  ASSERT_TRUE(readZipDirectory(archive, entries, error)) << error;
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "a.npy");
  EXPECT_EQ(entries[0].method, 0);
  EXPECT_EQ(entries[0].size, text.size());
  EXPECT_EQ(entries[0].compressedSize, text.size());
  EXPECT_EQ(entries[0].localOffset, 0u);
  EXPECT_EQ(entries[0].crc, crc32Of(text.data(), text.size()));
  EXPECT_EQ(entries[1].name, "dir/b.npy");
  EXPECT_EQ(entries[1].method, 8);
  EXPECT_EQ(entries[1].size, big.size());
  EXPECT_EQ(entries[1].compressedSize, deflated.size());
  EXPECT_EQ(entries[1].localOffset, 30 + 5 + text.size());

  std::vector<char> out;
  ASSERT_TRUE(extractZipMember(archive, entries[0], out, error)) << error;
  EXPECT_EQ(out, text);
  ASSERT_TRUE(extractZipMember(archive, entries[1], out, error)) << error;
  EXPECT_EQ(out, big);
}

TEST(Zip, ArchivesAreReproducible) {
  std::vector<char> first, second;
  for (std::vector<char> *archive : {&first, &second}) {
    ZipWriter writer;
    ASSERT_TRUE(writer.add("m.npy", sampleData(300), nullptr));
    ASSERT_TRUE(writer.finish(*archive));
  }
  EXPECT_EQ(first, second);
  // An empty archive is the 22-byte end record alone.
  ZipWriter writer;
  std::vector<char> empty;
  ASSERT_TRUE(writer.finish(empty));
  EXPECT_EQ(empty.size(), 22u);
  std::vector<ZipEntry> entries;
  std::string error;
  ASSERT_TRUE(readZipDirectory(empty, entries, error)) << error;
  EXPECT_TRUE(entries.empty());
}

/// One stored member whose directory entry keeps its sizes and offset in
/// the zip64 extra field, and a zip64 end record found through its
/// locator, as numpy writes archives of large arrays.
std::vector<char> zip64Archive(const std::vector<char> &data) {
  std::string name = "z.npy";
  uint32_t crc = crc32Of(data.data(), data.size());
  std::vector<char> a;
  putLE(a, 0x04034b50, 4); // Local header.
  putLE(a, 45, 2);
  putLE(a, 0, 2);
  putLE(a, 0, 2); // Stored.
  putLE(a, 0, 4); // Time and date.
  putLE(a, crc, 4);
  putLE(a, 0xffffffff, 4);
  putLE(a, 0xffffffff, 4);
  putLE(a, name.size(), 2);
  putLE(a, 0, 2);
  a.insert(a.end(), name.begin(), name.end());
  a.insert(a.end(), data.begin(), data.end());
  uint64_t dirOffset = a.size();
  putLE(a, 0x02014b50, 4); // Central directory entry.
  putLE(a, 45, 2);
  putLE(a, 45, 2);
  putLE(a, 0, 2);
  putLE(a, 0, 2);
  putLE(a, 0, 4);
  putLE(a, crc, 4);
  putLE(a, 0xffffffff, 4); // Compressed size: in the extra field.
  putLE(a, 0xffffffff, 4); // Size: in the extra field.
  putLE(a, name.size(), 2);
  putLE(a, 4 + 24, 2); // Extra field length.
  putLE(a, 0, 2);
  putLE(a, 0, 2);
  putLE(a, 0, 2);
  putLE(a, 0, 4);
  putLE(a, 0xffffffff, 4); // Local offset: in the extra field.
  a.insert(a.end(), name.begin(), name.end());
  putLE(a, 0x0001, 2); // Zip64 extended information: size, compressed
  putLE(a, 24, 2);     // size, offset, in that order.
  putLE(a, data.size(), 8);
  putLE(a, data.size(), 8);
  putLE(a, 0, 8);
  uint64_t dirSize = a.size() - dirOffset;
  uint64_t record = a.size();
  putLE(a, 0x06064b50, 4); // Zip64 end of central directory record.
  putLE(a, 44, 8);
  putLE(a, 45, 2);
  putLE(a, 45, 2);
  putLE(a, 0, 4);
  putLE(a, 0, 4);
  putLE(a, 1, 8);
  putLE(a, 1, 8);
  putLE(a, dirSize, 8);
  putLE(a, dirOffset, 8);
  putLE(a, 0x07064b50, 4); // Zip64 locator.
  putLE(a, 0, 4);
  putLE(a, record, 8);
  putLE(a, 1, 4);
  putLE(a, 0x06054b50, 4); // End of central directory, all fields in zip64.
  putLE(a, 0, 2);
  putLE(a, 0, 2);
  putLE(a, 0xffff, 2);
  putLE(a, 0xffff, 2);
  putLE(a, 0xffffffff, 4);
  putLE(a, 0xffffffff, 4);
  putLE(a, 0, 2);
  return a;
}

TEST(Zip, ReadsZip64Directories) {
  std::vector<char> data = bytesOf("zip64 member");
  std::vector<char> archive = zip64Archive(data);
  std::vector<ZipEntry> entries;
  std::string error;
  ASSERT_TRUE(readZipDirectory(archive, entries, error)) << error;
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "z.npy");
  EXPECT_EQ(entries[0].size, data.size());
  EXPECT_EQ(entries[0].compressedSize, data.size());
  EXPECT_EQ(entries[0].localOffset, 0u);
  std::vector<char> out;
  ASSERT_TRUE(extractZipMember(archive, entries[0], out, error)) << error;
  EXPECT_EQ(out, data);

  // Without the locator the zip64 end record cannot be found.
  std::vector<char> noLocator = archive;
  noLocator[noLocator.size() - 22 - 20] = 0;
  entries.clear();
  EXPECT_FALSE(readZipDirectory(noLocator, entries, error));
  EXPECT_NE(error.find("no zip64 locator"), std::string::npos) << error;
}

TEST(Zip, RejectsBadMembers) {
  std::vector<char> data = bytesOf("payload");
  ZipWriter writer;
  ASSERT_TRUE(writer.add("p.npy", data, nullptr));
  std::vector<char> archive;
  ASSERT_TRUE(writer.finish(archive));
  std::vector<ZipEntry> entries;
  std::string error;
  ASSERT_TRUE(readZipDirectory(archive, entries, error)) << error;
  ASSERT_EQ(entries.size(), 1u);
  std::vector<char> out;

  std::vector<char> flipped = archive;
  flipped[30 + 5] ^= 1; // First byte of the stored data.
  EXPECT_FALSE(extractZipMember(flipped, entries[0], out, error));
  EXPECT_EQ(error, "CRC mismatch in member 'p.npy'");

  ZipEntry encrypted = entries[0];
  encrypted.flags |= 1;
  EXPECT_FALSE(extractZipMember(archive, encrypted, out, error));
  EXPECT_EQ(error, "member 'p.npy' is encrypted");

  ZipEntry bzip2 = entries[0];
  bzip2.method = 12;
  EXPECT_FALSE(extractZipMember(archive, bzip2, out, error));
  EXPECT_EQ(error, "member 'p.npy' uses unsupported compression method 12");

  ZipEntry sizes = entries[0];
  sizes.size += 1;
  EXPECT_FALSE(extractZipMember(archive, sizes, out, error));
  EXPECT_NE(error.find("different sizes"), std::string::npos) << error;

  ZipEntry offset = entries[0];
  offset.localOffset = archive.size();
  EXPECT_FALSE(extractZipMember(archive, offset, out, error));
  EXPECT_NE(error.find("bad local header"), std::string::npos) << error;

  ZipEntry past = entries[0];
  past.compressedSize = past.size = archive.size();
  EXPECT_FALSE(extractZipMember(archive, past, out, error));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;

  EXPECT_FALSE(readZipDirectory(std::vector<char>(10), entries, error));
  EXPECT_EQ(error, "not a zip archive (too short)");
}

} // namespace
