#include "actors/windows.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace switchboard {

namespace {

caf::error bad_window(const std::string& what) {
  return caf::make_error(proc_errc::bad_setting, "window: " + what);
}

bool positive(double x) {
  return std::isfinite(x) && x > 0;
}

} // namespace

const char* to_string(window_kind k) noexcept {
  switch (k) {
    case window_kind::tumbling: return "tumbling";
    case window_kind::sliding: return "sliding";
    case window_kind::session: return "session";
  }
  return "unknown";
}

caf::expected<window_aggregator> window_aggregator::make(const window_spec& spec,
                                                         window_limits limits) {
  if (spec.kind == "tumbling") {
    if (!positive(spec.size_seconds))
      return bad_window("size_seconds must be a positive number of seconds");
    return window_aggregator{window_kind::tumbling, spec.size_seconds, spec.size_seconds, 0,
                             limits};
  }
  if (spec.kind == "sliding") {
    if (!positive(spec.size_seconds) || !positive(spec.slide_seconds))
      return bad_window("size_seconds and slide_seconds must be positive numbers of seconds");
    auto ratio = spec.size_seconds / spec.slide_seconds;
    if (ratio < 1 || std::abs(ratio - std::round(ratio)) > 1e-9 * ratio)
      return bad_window("size_seconds (" + std::to_string(spec.size_seconds)
                        + ") must be a whole multiple of slide_seconds ("
                        + std::to_string(spec.slide_seconds) + ")");
    return window_aggregator{window_kind::sliding, spec.size_seconds, spec.slide_seconds, 0,
                             limits};
  }
  if (spec.kind == "session") {
    if (!positive(spec.gap_seconds))
      return bad_window("gap_seconds must be a positive number of seconds");
    return window_aggregator{window_kind::session, 0, 0, spec.gap_seconds, limits};
  }
  return bad_window("kind '" + spec.kind + "' is not tumbling, sliding or session");
}

window_aggregator::window_aggregator(window_kind kind, double size, double step, double gap,
                                     window_limits limits)
  : kind_(kind),
    size_(size),
    step_(step),
    panes_per_window_(step > 0 ? static_cast<int64_t>(std::llround(size / step)) : 1),
    gap_(gap),
    limits_(limits),
    closed_index_(std::numeric_limits<int64_t>::min()),
    watermark_(-std::numeric_limits<double>::infinity()) {
  // nop
}

bool window_aggregator::add(const std::string& key, double t,
                            std::optional<double> latency) {
  if (!std::isfinite(t)) {
    ++late_;
    return false;
  }
  if (kind_ == window_kind::session) {
    if (t < watermark_ && keys_.find(key) == keys_.end()) {
      ++late_;
      return false;
    }
    auto* st = state_for(key);
    if (!st->panes.empty() && t - st->panes.front().last > gap_) {
      // The session ended before this event but was not closed yet.
      closed_early_.push_back(close_session(key, st->panes.front()));
      st->panes.clear();
    }
    if (st->panes.empty())
      st->panes.push_back(new_pane(0, t));
    auto& p = st->panes.front();
    p.first = std::min(p.first, t);
    p.last = std::max(p.last, t);
    ++p.count;
    add_sample(p, latency);
    return true;
  }
  auto index = static_cast<int64_t>(std::floor(t / step_));
  if (index < closed_index_) {
    ++late_;
    return false;
  }
  auto* st = state_for(key);
  if (st->panes.empty())
    st->next_end = index + 1;
  auto& panes = st->panes;
  auto pos = panes.end();
  while (pos != panes.begin() && std::prev(pos)->index > index)
    --pos;
  if (pos == panes.begin() || std::prev(pos)->index != index)
    pos = std::next(panes.insert(pos, new_pane(index, t)));
  auto& p = *std::prev(pos);
  ++p.count;
  add_sample(p, latency);
  return true;
}

std::vector<window_result> window_aggregator::advance(double now) {
  std::vector<window_result> out;
  out.swap(closed_early_);
  watermark_ = std::max(watermark_, now);
  if (kind_ == window_kind::session) {
    for (auto i = keys_.begin(); i != keys_.end();) {
      const auto& p = i->second.panes.front();
      if (p.last + gap_ <= now) {
        out.push_back(close_session(i->first, p));
        i = keys_.erase(i);
      } else {
        ++i;
      }
    }
  } else {
    auto now_index = static_cast<int64_t>(std::floor(now / step_));
    for (auto i = keys_.begin(); i != keys_.end();) {
      advance_panes(i->first, i->second, now_index, out);
      if (i->second.panes.empty())
        i = keys_.erase(i);
      else
        ++i;
    }
    closed_index_ = std::max(closed_index_, now_index);
  }
  std::sort(out.begin(), out.end(), [](const window_result& x, const window_result& y) {
    return x.end != y.end ? x.end < y.end : x.key < y.key;
  });
  return out;
}

window_aggregator::pane window_aggregator::new_pane(int64_t index, double t) {
  // Each pane samples with its own seed so that panes are independent yet repeatable.
  return pane{index, t, t, 0, sample_reservoir{limits_.max_samples, limits_.seed + samples_made_++}};
}

window_aggregator::key_state* window_aggregator::state_for(const std::string& key) {
  auto i = keys_.find(key);
  if (i != keys_.end())
    return &i->second;
  // Keys come from input: beyond the cap, new ones share one entry.
  if (keys_.size() >= limits_.max_keys)
    return &keys_["other"];
  return &keys_[key];
}

void window_aggregator::add_sample(pane& p, std::optional<double> latency) {
  if (latency && std::isfinite(*latency))
    p.latencies.add(*latency);
}

void window_aggregator::accumulate(window_result& r, std::vector<double>& samples,
                                   const pane& p) {
  r.count += p.count;
  r.latency_count += p.latencies.seen();
  const auto& v = p.latencies.values();
  samples.insert(samples.end(), v.begin(), v.end());
}

void window_aggregator::finish(window_result& r, std::vector<double>& samples) {
  r.p50 = percentile(samples, 50);
  r.p95 = percentile(samples, 95);
  r.p99 = percentile(samples, 99);
}

void window_aggregator::advance_panes(const std::string& key, key_state& st,
                                      int64_t now_index, std::vector<window_result>& out) {
  auto& panes = st.panes;
  while (!panes.empty() && st.next_end <= now_index) {
    if (panes.front().index >= st.next_end) {
      // Nothing before the next pane: skip the empty windows in between.
      st.next_end = panes.front().index + 1;
      continue;
    }
    auto lo = st.next_end - panes_per_window_;
    auto first = std::find_if(panes.begin(), panes.end(),
                              [lo](const pane& p) { return p.index >= lo; });
    auto last = std::find_if(first, panes.end(),
                             [&](const pane& p) { return p.index >= st.next_end; });
    if (first != last) {
      window_result r{kind_, key, static_cast<double>(lo) * step_,
                      static_cast<double>(st.next_end) * step_};
      std::vector<double> samples;
      for (auto i = first; i != last; ++i)
        accumulate(r, samples, *i);
      finish(r, samples);
      r.rate = static_cast<double>(r.count) / size_;
      out.push_back(std::move(r));
    }
    // The next window starts one pane later.
    while (!panes.empty() && panes.front().index <= lo)
      panes.pop_front();
    ++st.next_end;
  }
}

window_result window_aggregator::close_session(const std::string& key, const pane& p) const {
  window_result r{kind_, key, p.first, p.last};
  std::vector<double> samples;
  accumulate(r, samples, p);
  finish(r, samples);
  auto span = p.last - p.first;
  r.rate = span > 0 ? static_cast<double>(r.count) / span : 0;
  return r;
}

} // namespace switchboard
