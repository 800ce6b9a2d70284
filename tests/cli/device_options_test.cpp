// The device flags of the commands that run model workers.
#include "cli/device_options.hpp"

#include <gtest/gtest.h>

namespace recur::cli {
namespace {

TEST(DeviceOptions, DevicesComeFromTheCommandLineAndDevicesExcludesDevice) {
  CLI::App app;
  actors::DeviceOptions o;
  add_device_options(app, o);
  app.parse("--devices 0,1 --threads 3 --batch-invariant", false);
  EXPECT_EQ(o.devices, "0,1");
  EXPECT_EQ(o.device, "cpu");
  EXPECT_EQ(o.threads, 3u);
  EXPECT_TRUE(o.batch_invariant);
  CLI::App both;
  actors::DeviceOptions p;
  add_device_options(both, p);
  EXPECT_THROW(both.parse("--device cuda:1 --devices all", false), CLI::ExcludesError);
}

TEST(DeviceOptions, AnErrorOfTheDevicesNamesTheFlagThatGaveThem) {
  actors::DeviceOptions one;
  one.device = "tpu";
  auto bad = actors::worker_devices(one);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(device_error(one, bad.error()).message,
            "--device: device 'tpu' is not a device name (cpu, cuda or cuda:N)");
  actors::DeviceOptions list;
  list.devices = "0,x";
  auto listed = actors::worker_devices(list);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(device_error(list, listed.error()).message.rfind("--devices: ", 0), 0u)
      << listed.error().message;
}

}  // namespace
}  // namespace recur::cli
