// --devices lists: "all" or GPU numbers, turned into one backend device name per model worker, with
// errors that name the element, the device or why no GPU can be used.
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
  const std::pair<const char*, const char*> cases[] = {
      {"", "--devices: element 0 ('') is not a GPU number (give 0,1,... or all)"},
      {"0,x", "--devices: element 1 ('x') is not a GPU number (give 0,1,... or all)"},
      {"0,", "--devices: element 1 ('') is not a GPU number (give 0,1,... or all)"},
      {"-1", "--devices: element 0 ('-1') is not a GPU number (give 0,1,... or all)"},
      {"0,2", "--devices: GPU 2 is not present (2 device(s): 0..1)"},
      {"1,1", "--devices: GPU 1 is listed twice"},
  };
  for (const auto& [list, message] : cases) {
    auto d = select_cuda_devices(list, 2, "");
    ASSERT_FALSE(d.ok()) << list;
    EXPECT_EQ(d.error().message, message) << list;
  }
}

TEST(Devices, WithNoGpuTheErrorSaysWhy) {
  for (const char* list : {"all", "0"}) {
    auto d = select_cuda_devices(list, 0, "no CUDA device");
    ASSERT_FALSE(d.ok()) << list;
    EXPECT_EQ(d.error().message, "--devices: no CUDA device") << list;
  }
  // A list that is wrong in itself is named first.
  auto bad = select_cuda_devices("0,x", 0, "no CUDA device");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "--devices: element 1 ('x') is not a GPU number (give 0,1,... or all)");
}

TEST(Devices, ThisMachinesListAgreesWithItsDeviceCount) {
  const int n = cuda_device_count();
  auto d = select_cuda_devices("all");
  if (n == 0) {
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().message, "--devices: " + cuda_unavailable_reason());
    return;
  }
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->size(), static_cast<std::size_t>(n));
}

}  // namespace
}  // namespace recur
