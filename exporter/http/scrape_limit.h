// How many scrapes are served at once (--web.max-requests). A scrape beyond
// the limit is refused, not queued, so that slow scrapes cannot pile up.
#pragma once

#include <atomic>
#include <utility>

namespace wgx {

class ScrapeLimit {
 public:
  // No limit when `max_scrapes` is 0 or less.
  explicit ScrapeLimit(int max_scrapes) : max_scrapes_(max_scrapes) {}
  ScrapeLimit(const ScrapeLimit&) = delete;
  ScrapeLimit& operator=(const ScrapeLimit&) = delete;

  // A scrape's place in the count, given back when it ends.
  class Place {
   public:
    Place(Place&& other) noexcept
        : count_(std::exchange(other.count_, nullptr)), admitted_(other.admitted_) {}
    Place& operator=(Place&&) = delete;
    ~Place() {
      if (count_ != nullptr) count_->fetch_sub(1);
    }

    // Whether the scrape may run, or must be refused. Decided on arrival:
    // scrapes arriving after it do not change it.
    bool admitted() const { return admitted_; }

   private:
    friend class ScrapeLimit;
    Place(std::atomic<int>* count, bool admitted) : count_(count), admitted_(admitted) {}

    std::atomic<int>* count_;  // what this place holds in the count, or nullptr
    bool admitted_;
  };

  // Admits or refuses a scrape that arrives; only an admitted one holds a
  // place in the count.
  Place Enter() {
    if (max_scrapes_ <= 0) return Place(nullptr, true);
    // The count this arrival made, not a second read: scrapes arriving
    // together at the limit would each see the others and all be refused.
    const int scrapes = count_.fetch_add(1) + 1;
    if (scrapes <= max_scrapes_) return Place(&count_, true);
    // Given back at once, not after the 503 is sent: a refused scrape must
    // not get the next one refused.
    count_.fetch_sub(1);
    return Place(nullptr, false);
  }

  int max_scrapes() const { return max_scrapes_; }

 private:
  const int max_scrapes_;
  std::atomic<int> count_{0};
};

}  // namespace wgx
