// GPU lists: "all" or GPU numbers, turned into one backend device name per model worker, with
// errors that name the element, the device or why no GPU can be used, and never a command-line
// flag.
#include <gtest/gtest.h>

#include "model/backend.hpp"
#include "model/devices.hpp"

namespace recur {
namespace {

using Names = std::vector<std::string>;

TEST(Devices, AllNamesEveryPresentGpuInOrder) {
  auto d = select_cuda_devices("all", 3, "");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, (Names{"cuda:0", "cuda:1", "cuda:2"}));
}

TEST(Devices, NumbersKeepTheListsOrderAndMayHaveSpaces) {
  auto d = select_cuda_devices("1, 0", 2, "");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, (Names{"cuda:1", "cuda:0"}));
  auto one = select_cuda_devices("0", 1, "");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, (Names{"cuda:0"}));
}

TEST(Devices, BadListsAreRefusedNamingTheElementOrDevice) {
  struct Case {
    const char* list;
    ErrorCode code;
    const char* message;
  };
  const Case cases[] = {
      {"", ErrorCode::invalid_argument,
       "element 0 ('') of the GPU list is not a GPU number (give 0,1,... or all)"},
      {"0,x", ErrorCode::invalid_argument,
       "element 1 ('x') of the GPU list is not a GPU number (give 0,1,... or all)"},
      {"0,", ErrorCode::invalid_argument,
       "element 1 ('') of the GPU list is not a GPU number (give 0,1,... or all)"},
      {"-1", ErrorCode::invalid_argument,
       "element 0 ('-1') of the GPU list is not a GPU number (give 0,1,... or all)"},
      {"1,1", ErrorCode::invalid_argument, "GPU 1 is listed twice in the GPU list"},
      {"0,2", ErrorCode::not_found, "GPU 2 is not present (2 device(s): 0..1)"},
  };
  for (const auto& c : cases) {
    auto d = select_cuda_devices(c.list, 2, "");
    ASSERT_FALSE(d.ok()) << c.list;
    EXPECT_EQ(d.error().code, c.code) << c.list;
    EXPECT_EQ(d.error().message, c.message) << c.list;
  }
}

TEST(Devices, WithNoGpuTheErrorSaysWhy) {
  for (const char* list : {"all", "0"}) {
    auto d = select_cuda_devices(list, 0, "no CUDA device");
    ASSERT_FALSE(d.ok()) << list;
    EXPECT_EQ(d.error().code, ErrorCode::unavailable) << list;
    EXPECT_EQ(d.error().message, "no CUDA device") << list;
  }
  // A list that is wrong in itself is named first.
  auto bad = select_cuda_devices("0,x", 0, "no CUDA device");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(bad.error().message,
            "element 1 ('x') of the GPU list is not a GPU number (give 0,1,... or all)");
}

TEST(Devices, ThisMachinesListAgreesWithItsDeviceCount) {
  const int n = cuda_device_count();
  auto d = select_cuda_devices("all");
  if (n == 0) {
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, ErrorCode::unavailable);
    EXPECT_EQ(d.error().message, cuda_unavailable_reason());
    return;
  }
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->size(), static_cast<std::size_t>(n));
}

}  // namespace
}  // namespace recur
