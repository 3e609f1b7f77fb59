//===- NpyTest.cpp - .npy / .npz reading and writing ----------------------===//
//
// Byte images written by numpy 2.4 (np.save, np.savez_compressed) are
// hardcoded below, so these tests check compatibility without Python.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Support/Npy.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace bitsink::npy;

namespace {

std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "bitsink-npy-" + name;
}

std::vector<char> fromHex(const std::string &hex) {
  std::vector<char> bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(
        static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

std::vector<char> readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const std::vector<char> &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), bytes.size());
}

/// np.save(f, np.arange(6, dtype='<f4').reshape(2, 3)): a v1 header padded
/// to 128 bytes, then six floats.
std::vector<char> numpyArange() {
  std::string header = std::string("\x93NUMPY\x01\x00v\x00", 10) +
                       "{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (2, 3), }";
  header.append(128 - 1 - header.size(), ' ');
  header += '\n';
  std::vector<char> bytes(header.begin(), header.end());
  std::vector<char> data =
      fromHex("000000000000803f0000004000004040000080400000a040");
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

/// Replaces the header dict of a v1 image by `dict` (padded with spaces).
std::vector<char> withHeader(const std::string &dict, size_t dataBytes) {
  std::string header = std::string("\x93NUMPY\x01\x00", 8);
  std::string body = dict;
  body.append((64 - (10 + body.size() + 1) % 64) % 64, ' ');
  body += '\n';
  header += static_cast<char>(body.size() & 0xff);
  header += static_cast<char>(body.size() >> 8);
  header += body;
  std::vector<char> bytes(header.begin(), header.end());
  bytes.resize(bytes.size() + dataBytes, 0);
  return bytes;
}

TEST(Npy, ParsesNumpyWrittenFile) {
  std::vector<char> bytes = numpyArange();
  Array a;
  std::string error;
  ASSERT_TRUE(parseNpy(bytes.data(), bytes.size(), a, error)) << error;
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(a.as<float>()[i], static_cast<float>(i));
}

TEST(Npy, WritesTheSameBytesAsNumpy) {
  Array a = Array::zeros(DType::F32, {2, 3});
  for (int i = 0; i < 6; ++i)
    a.as<float>()[i] = static_cast<float>(i);
  std::string path = tempPath("arange.npy"), error;
  ASSERT_TRUE(writeNpy(path, a, error)) << error;
  EXPECT_EQ(readBytes(path), numpyArange());
}

TEST(Npy, RoundTripsEveryDType) {
  for (DType dtype :
       {DType::Bool, DType::I8, DType::U8, DType::I16, DType::I32, DType::U32,
        DType::I64, DType::F16, DType::F32, DType::F64}) {
    for (std::vector<int64_t> shape :
         {std::vector<int64_t>{}, {5}, {2, 0, 3}, {3, 1, 4}}) {
      Array a = Array::zeros(dtype, shape);
      for (size_t i = 0; i < a.data.size(); ++i)
        a.data[i] = static_cast<char>(dtype == DType::Bool ? i % 2 : i * 7 + 1);
      std::string path = tempPath("roundtrip.npy"), error;
      ASSERT_TRUE(writeNpy(path, a, error)) << error;
      Array b;
      ASSERT_TRUE(readNpy(path, b, error)) << dtypeName(dtype) << ": " << error;
      EXPECT_EQ(b.dtype, dtype);
      EXPECT_EQ(b.shape, shape);
      EXPECT_EQ(b.data, a.data);
      // numpy aligns the data to 64 bytes.
      EXPECT_EQ((readBytes(path).size() - a.data.size()) % 64, 0u);
    }
  }
}

TEST(Npy, ReadsScalarsVersion2And3AndPython2Longs) {
  Array a;
  std::string error;
  std::vector<char> scalar =
      withHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", 8);
  scalar[scalar.size() - 8] = 7;
  ASSERT_TRUE(parseNpy(scalar.data(), scalar.size(), a, error)) << error;
  EXPECT_TRUE(a.shape.empty());
  EXPECT_EQ(a.as<int64_t>()[0], 7);

  std::vector<char> longs = withHeader(
      "{\"descr\": \"|u1\", \"fortran_order\": False, \"shape\": (2L,3L)}", 6);
  ASSERT_TRUE(parseNpy(longs.data(), longs.size(), a, error)) << error;
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.dtype, DType::U8);

  for (char version : {'\x02', '\x03'}) {
    std::string dict = "{'descr': '<f2', 'fortran_order': False, "
                       "'shape': (1,), }\n";
    std::string image = std::string("\x93NUMPY", 6) + version + '\0';
    image += static_cast<char>(dict.size());
    image += std::string(3, '\0');
    image += dict;
    image += std::string("\x00\x3e", 2); // 1.5 in half precision.
    ASSERT_TRUE(parseNpy(image.data(), image.size(), a, error)) << error;
    EXPECT_EQ(toFloat(a), std::vector<float>{1.5f});
  }
}

/// Each malformed image must be rejected with a message containing `what`.
void expectRejected(const std::vector<char> &bytes, const std::string &what) {
  Array a;
  std::string error;
  EXPECT_FALSE(parseNpy(bytes.data(), bytes.size(), a, error)) << what;
  EXPECT_NE(error.find(what), std::string::npos)
      << "error '" << error << "' does not mention '" << what << "'";
}

TEST(Npy, RejectsMalformedInput) {
  expectRejected({}, "bad magic");
  expectRejected(fromHex("93554d505901"), "bad magic");
  std::vector<char> good = numpyArange();
  std::vector<char> v9 = good;
  v9[6] = 9;
  expectRejected(v9, "unsupported .npy version 9");
  expectRejected(std::vector<char>(good.begin(), good.end() - 1),
                 "truncated data: shape needs 24 bytes, file has 23");
  expectRejected(std::vector<char>(good.begin(), good.begin() + 60),
                 "truncated .npy header");
  std::vector<char> extra = good;
  extra.push_back(0);
  expectRejected(extra, "1 bytes after the array data");
  expectRejected(
      withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8),
      "fortran_order=True");
  expectRejected(
      withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                 8),
      "big-endian");
  expectRejected(
      withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }",
                 16),
      "unsupported dtype '<c8'");
  expectRejected(withHeader("{'descr': [('a', '<f4')], 'fortran_order': "
                            "False, 'shape': (2,), }",
                            8),
                 "structured");
  expectRejected(
      withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8),
      "not a tuple");
  expectRejected(
      withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
                 8),
      "non-negative");
  expectRejected(withHeader("{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (99999999999999999999,), }",
                            8),
                 "too large");
  expectRejected(withHeader("{'descr': '<f8', 'fortran_order': False, "
                            "'shape': (4294967296, 4294967296), }",
                            8),
                 "shape too large");
  expectRejected(withHeader("{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (1000000, 1000000), }",
                            8),
                 "truncated data");
  expectRejected(withHeader("{'descr': '<f4', 'shape': (2,), }", 8),
                 "lacks 'fortran_order'");
  expectRejected(withHeader("{'descr': '<f4', 'fortran_order': False, "
                            "'shape': (2,), 'x': 1}",
                            8),
                 "unexpected key 'x'");
  expectRejected(withHeader("{'descr': '<f4', 'fortran_order': Fals", 8),
                 "True or False");
  expectRejected(withHeader("{'descr': '<f4", 8), "unterminated string");
}

TEST(Npy, ReportsMissingFilesAndBf16Writes) {
  Array a;
  std::string error;
  EXPECT_FALSE(readNpy(tempPath("does-not-exist.npy"), a, error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
  Array bf = Array::zeros(DType::BF16, {2});
  EXPECT_FALSE(writeNpy(tempPath("bf16.npy"), bf, error));
  EXPECT_NE(error.find("bf16 has no NumPy dtype"), std::string::npos) << error;
}

/// np.savez_compressed(f, a=np.array([1, -2, 3], '<i2'),
///                     m=np.array([True, False])): deflated members with
/// zip64 local headers, as numpy writes them.
const char *numpyNpzHex =
    "504b03042d000000080000002100921f28e3ffffffffffffffff05001400612e6e7079"
    "0100100086000000000000004a000000000000009bec17ea1b10c9c850c650ad9e925a"
    "9c5ca46ea5a06e9369a4aea3a09e965f54529498179f5f94920a12774bcc294e058a17"
    "672416a402f91ac63a9a3a0ab50a14002e46867fff991900504b03042d000000080000"
    "002100ee19bb5dffffffffffffffff050014006d2e6e70790100100082000000000000"
    "0046000000000000009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a05e9364a8ae"
    "a3a09e965f54529498179f5f94920a12774bcc294e058a17672416a402f91a463a9a3a"
    "0ab50a14002e460600504b01022d032d000000080000002100921f28e34a0000008600"
    "0000050000000000000000000000800100000000612e6e7079504b01022d032d000000"
    "080000002100ee19bb5d460000008200000005000000000000000000000080018100"
    "00006d2e6e7079504b0506000000000200020066000000fe0000000000";

TEST(Npz, ReadsNumpyCompressedArchive) {
  std::string path = tempPath("numpy.npz"), error;
  writeBytes(path, fromHex(numpyNpzHex));
  std::map<std::string, Array> arrays;
  ASSERT_TRUE(readNpz(path, arrays, error)) << error;
  ASSERT_EQ(arrays.size(), 2u);
  const Array &a = arrays.at("a");
  EXPECT_EQ(a.dtype, DType::I16);
  EXPECT_EQ(toDouble(a), (std::vector<double>{1, -2, 3}));
  const Array &m = arrays.at("m");
  EXPECT_EQ(m.dtype, DType::Bool);
  EXPECT_EQ(toDouble(m), (std::vector<double>{1, 0}));
}

TEST(Npz, RoundTripsStoredAndDeflated) {
  std::map<std::string, Array> arrays;
  arrays["w"] = Array::zeros(DType::F32, {64, 3});
  for (int i = 0; i < 64 * 3; ++i)
    arrays["w"].as<float>()[i] = static_cast<float>(i % 5);
  arrays["n"] = Array::zeros(DType::I64, {});
  arrays["n"].as<int64_t>()[0] = -42;
  for (bool compressed : {false, true}) {
    std::string path = tempPath("roundtrip.npz"), error;
    ASSERT_TRUE(writeNpz(path, arrays, compressed, error)) << error;
    std::map<std::string, Array> back;
    ASSERT_TRUE(readNpz(path, back, error)) << error;
    ASSERT_EQ(back.size(), 2u);
    for (const auto &[name, array] : arrays) {
      EXPECT_EQ(back[name].shape, array.shape);
      EXPECT_EQ(back[name].dtype, array.dtype);
      EXPECT_EQ(back[name].data, array.data);
    }
    if (compressed)
      EXPECT_LT(readBytes(path).size(), 64u * 3 * 4);
  }
}

TEST(Npz, RejectsCorruptArchives) {
  std::string path = tempPath("corrupt.npz"), error;
  std::map<std::string, Array> arrays;
  std::vector<char> good = fromHex(numpyNpzHex);

  writeBytes(path, std::vector<char>(good.begin(), good.begin() + 100));
  EXPECT_FALSE(readNpz(path, arrays, error));
  EXPECT_NE(error.find("no end of central directory"), std::string::npos)
      << error;

  std::vector<char> flipped = good;
  flipped[70] ^= 0x10; // Inside the deflated data of 'a.npy'.
  writeBytes(path, flipped);
  EXPECT_FALSE(readNpz(path, arrays, error));
  EXPECT_TRUE(error.find("a.npy") != std::string::npos) << error;

  std::vector<char> badOffset = good;
  badOffset[good.size() - 22 + 16] = 0x7f; // Central directory offset.
  writeBytes(path, badOffset);
  EXPECT_FALSE(readNpz(path, arrays, error));
  EXPECT_NE(error.find("central directory"), std::string::npos) << error;

  // Claim an uncompressed size no deflate stream can produce.
  std::vector<char> huge = good;
  size_t central = 0xfe + 24; // First entry's uncompressed size field.
  huge[central + 3] = 0x7f;
  writeBytes(path, huge);
  EXPECT_FALSE(readNpz(path, arrays, error));
  EXPECT_NE(error.find("impossible size"), std::string::npos) << error;
}

TEST(Convert, HalfAndBFloat16RoundToNearestEven) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65519.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(floatToHalf(INFINITY), 0x7c00);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001); // Smallest subnormal.
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000); // Tie to even 0.
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -26)), 0x0001);
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -14)), 0x0400); // Smallest normal.
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to the even 1.
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    uint16_t h = static_cast<uint16_t>(bits);
    float f = halfToFloat(h);
    if (!std::isnan(f))
      EXPECT_EQ(floatToHalf(f), h) << bits;
  }
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x8400), -std::ldexp(1.0f, -14));

  EXPECT_EQ(floatToBFloat16(1.0f), 0x3f80);
  // 1 + 2^-8 ties to 1; 1 + 3*2^-8 ties up to 1 + 2^-6.
  EXPECT_EQ(floatToBFloat16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(floatToBFloat16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_EQ(bfloat16ToFloat(0x3f82), 1.0f + std::ldexp(1.0f, -6));
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(NAN))));
}

TEST(Convert, BetweenDTypes) {
  Array f = Array::zeros(DType::F32, {5});
  float values[] = {1.5f, -2.7f, 300.0f, NAN, 0.0f};
  std::memcpy(f.data.data(), values, sizeof(values));
  Array i8 = convert(f, DType::I8);
  EXPECT_EQ(i8.dtype, DType::I8);
  EXPECT_EQ(toDouble(i8), (std::vector<double>{1, -2, 127, 0, 0}));
  EXPECT_EQ(toDouble(convert(f, DType::Bool)),
            (std::vector<double>{1, 1, 1, 1, 0}));
  Array bf = convert(f, DType::BF16);
  EXPECT_EQ(bf.data.size(), 10u);
  std::vector<float> back = toFloat(convert(bf, DType::F32));
  EXPECT_EQ(back[0], 1.5f);
  EXPECT_EQ(back[2], 300.0f);
  EXPECT_TRUE(std::isnan(back[3]));
  Array i64 = Array::zeros(DType::I64, {1});
  i64.as<int64_t>()[0] = (int64_t(1) << 62) + 1;
  EXPECT_EQ(convert(i64, DType::I64).as<int64_t>()[0], (int64_t(1) << 62) + 1);
}

} // namespace
