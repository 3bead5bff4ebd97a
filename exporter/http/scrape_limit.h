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
    Place(Place&& other) noexcept : limit_(std::exchange(other.limit_, nullptr)) {}
    Place& operator=(Place&&) = delete;
    ~Place() {
      if (limit_ != nullptr) limit_->count_.fetch_sub(1);
    }

    // Whether the scrape may run, or must be refused.
    bool admitted() const {
      return limit_->max_scrapes_ <= 0 || limit_->count_.load() <= limit_->max_scrapes_;
    }

   private:
    friend class ScrapeLimit;
    explicit Place(ScrapeLimit* limit) : limit_(limit) {}

    ScrapeLimit* limit_;
  };

  // Counts a scrape that arrives.
  Place Enter() {
    count_.fetch_add(1);
    return Place(this);
  }

  int max_scrapes() const { return max_scrapes_; }

 private:
  const int max_scrapes_;
  std::atomic<int> count_{0};
};

}  // namespace wgx
