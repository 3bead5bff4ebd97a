#include "exporter/http/scrape_limit.h"

#include <gtest/gtest.h>

#include <memory>

namespace wgx {
namespace {

// Scrapes arriving together at the limit: each is judged by the count its
// own arrival made, not by one read after others arrived too (which refused
// them all).
TEST(ScrapeLimitTest, AScrapeIsJudgedByTheCountOnItsArrival) {
  ScrapeLimit limit(2);
  const ScrapeLimit::Place running = limit.Enter();
  const ScrapeLimit::Place last_admitted = limit.Enter();
  const ScrapeLimit::Place one_too_many = limit.Enter();
  EXPECT_TRUE(running.admitted());
  EXPECT_TRUE(last_admitted.admitted());
  EXPECT_FALSE(one_too_many.admitted());
}

TEST(ScrapeLimitTest, APlaceIsGivenBackWhenItsScrapeEnds) {
  ScrapeLimit limit(1);
  {
    const ScrapeLimit::Place running = limit.Enter();
    EXPECT_TRUE(running.admitted());
    EXPECT_FALSE(limit.Enter().admitted());
  }
  EXPECT_TRUE(limit.Enter().admitted());
}

// A refused scrape still sending its 503 must not get the next one refused.
TEST(ScrapeLimitTest, ARefusedScrapeHoldsNoPlace) {
  ScrapeLimit limit(1);
  auto running = std::make_unique<ScrapeLimit::Place>(limit.Enter());
  const ScrapeLimit::Place refused = limit.Enter();
  EXPECT_FALSE(refused.admitted());
  running.reset();
  EXPECT_TRUE(limit.Enter().admitted());
}

TEST(ScrapeLimitTest, NoLimitAdmitsEveryScrape) {
  ScrapeLimit limit(0);
  const ScrapeLimit::Place first = limit.Enter();
  const ScrapeLimit::Place second = limit.Enter();
  EXPECT_TRUE(first.admitted());
  EXPECT_TRUE(second.admitted());
}

}  // namespace
}  // namespace wgx
