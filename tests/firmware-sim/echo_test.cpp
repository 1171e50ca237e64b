// The echo example device: every response is its request.
#include <gtest/gtest.h>

#include "comframe/devices/session.hpp"
#include "comframe/firmware_sim/devices/echo.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "devices/scripted_peer.hpp"

namespace echo_test {

namespace {

using namespace comframe;
namespace echo = devices::builtin::echo;

struct echo_device : ::testing::Test {
  test::io_thread t;
  std::string url = "loop://echo-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  firmware_sim::device dev = firmware_sim::make_echo();
  std::unique_ptr<firmware_sim::device_host> sim;
  std::unique_ptr<devices::session> host;

  void SetUp() override {
    host = std::make_unique<devices::session>(t.io, url);
    sim = std::make_unique<firmware_sim::device_host>(t.io, transport::open_link(t.io, url), dev);
  }
  void TearDown() override {
    host.reset();
    sim.reset();
  }
};

TEST_F(echo_device, echo_answers_the_requests_bytes) {
  const std::vector<std::uint8_t> bytes{0, 1, 2, 0xff, 0, 0x7f};
  EXPECT_EQ(host->request<echo::echo>(bytes), bytes);
}

TEST_F(echo_device, echo_answers_an_empty_request_and_one_of_the_largest_size) {
  EXPECT_EQ(host->request<echo::echo>({}), std::vector<std::uint8_t>{});
  std::vector<std::uint8_t> big(transport::default_max_payload_size);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  EXPECT_EQ(host->request<echo::echo>(big), big);
}

TEST_F(echo_device, echo_text_answers_the_requests_text) {
  const std::string text = "hello, thermo\n";
  const auto back = host->request<echo::echo_text>(std::vector<char>(text.begin(), text.end()));
  EXPECT_EQ(std::string(back.begin(), back.end()), text);
}

TEST_F(echo_device, a_generic_host_calls_it_by_its_profile_with_json) {
  const devices::profile p = host->fetch_profile();
  EXPECT_EQ(p, echo::profile());
  EXPECT_EQ(p.device(), "echo");
  EXPECT_EQ(host->request_json(p, "echo", nlohmann::json::parse("[1, 2, 3]")), nlohmann::json::parse("[1, 2, 3]"));
  EXPECT_EQ(host->request_json(p, "echo_text", nlohmann::json::parse(R"(["o", "k"])")),
            nlohmann::json::parse(R"(["o", "k"])"));
}

TEST_F(echo_device, a_send_gets_no_reply) {
  host->send<echo::echo>({1, 2, 3});
  EXPECT_EQ(host->request<echo::echo>({4}), std::vector<std::uint8_t>{4});
  EXPECT_EQ(sim->stats().requests, 2u);
  EXPECT_EQ(sim->stats().replies, 1u);
  EXPECT_EQ(host->stats().late_replies, 0u);
}

}  // namespace

}  // namespace echo_test
