#include <catch2/catch.hpp>

#include "actors/document_tracker.hpp"
#include "events/error.hpp"

using namespace switchboard;

namespace {

proc_errc code_of(const caf::error& err) {
  REQUIRE(err.category() == caf::atom("proc"));
  return static_cast<proc_errc>(err.code());
}

std::size_t idx(document_status s) {
  return static_cast<std::size_t>(s);
}

} // namespace

TEST_CASE("an upload starts an analysis task") {
  document_tracker docs;
  auto r = docs.uploaded("d1", 100);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  const auto& f = r->front();
  CHECK(f.event_type == "task_created");
  CHECK(f.document_id == "d1");
  CHECK(f.task_id == document_tracker::analysis_task_id("d1"));
  CHECK(f.task_type == "document_analysis");
  CHECK(f.status == "pending");
  CHECK(docs.status("d1") == document_status::uploaded);
  CHECK(docs.in_progress() == 1);
  auto again = docs.uploaded("d1", 101);
  REQUIRE_FALSE(again);
  CHECK(code_of(again.error()) == proc_errc::duplicate_id);
}

TEST_CASE("a document is processed, then analyzed when its task completes") {
  document_tracker docs{"doc_scan"};
  auto up = docs.uploaded("d1", 10);
  REQUIRE(up);
  auto p = docs.processed("d1", 12);
  REQUIRE(p);
  CHECK(p->from == document_status::uploaded);
  CHECK(p->to == document_status::processed);
  CHECK(p->seconds_since_upload == Approx(2));
  CHECK(docs.task_finished("some-other-task", true, 13).empty());
  auto out = docs.task_finished(up->front().task_id, true, 15);
  REQUIRE(out.size() == 1);
  CHECK(out[0].event_type == "document_analyzed");
  CHECK(out[0].document_id == "d1");
  CHECK(out[0].task_type == "doc_scan");
  CHECK(out[0].status == "analyzed");
  CHECK(docs.status("d1") == document_status::analyzed);
  CHECK(docs.in_progress() == 0);
  CHECK(docs.processing_seconds().mean() == Approx(2));
  CHECK(docs.analysis_seconds().mean() == Approx(5));
  // The emitted document_analyzed coming back is recognised and not counted twice.
  auto echo = docs.analyzed("d1", true, 16);
  REQUIRE(echo);
  CHECK(echo->echo);
  CHECK(docs.reached()[idx(document_status::uploaded)] == 1);
  CHECK(docs.reached()[idx(document_status::processed)] == 1);
  CHECK(docs.reached()[idx(document_status::analyzed)] == 1);
  CHECK(docs.analysis_seconds().count == 1);
}

TEST_CASE("a failed analysis task fails the document") {
  document_tracker docs;
  REQUIRE(docs.uploaded("d1", 0));
  auto out = docs.task_finished(document_tracker::analysis_task_id("d1"), false, 3);
  REQUIRE(out.size() == 1);
  CHECK(out[0].status == "failed");
  CHECK(docs.status("d1") == document_status::failed);
  CHECK(docs.reached()[idx(document_status::failed)] == 1);
  CHECK(docs.analysis_seconds().count == 0);
  auto contradicting = docs.analyzed("d1", true, 4);
  REQUIRE_FALSE(contradicting);
  CHECK(code_of(contradicting.error()) == proc_errc::invalid_transition);
}

TEST_CASE("document_analyzed from elsewhere finishes the document directly") {
  document_tracker docs;
  REQUIRE(docs.uploaded("d1", 0));
  auto a = docs.analyzed("d1", true, 7);
  REQUIRE(a);
  CHECK_FALSE(a->echo);
  CHECK(a->from == document_status::uploaded);
  CHECK(a->to == document_status::analyzed);
  // Its analysis task finishing later adds nothing.
  CHECK(docs.task_finished(document_tracker::analysis_task_id("d1"), true, 8).empty());
}

TEST_CASE("document events out of order are refused with a reason") {
  document_tracker docs;
  auto unknown = docs.processed("ghost", 1);
  REQUIRE_FALSE(unknown);
  CHECK(code_of(unknown.error()) == proc_errc::unknown_id);
  CHECK_THAT(error_text(unknown.error()), Catch::Contains("ghost")
                                            && Catch::Contains("never uploaded"));
  CHECK_FALSE(docs.analyzed("ghost", true, 1));
  REQUIRE(docs.uploaded("d1", 0));
  REQUIRE(docs.processed("d1", 1));
  auto twice = docs.processed("d1", 2);
  REQUIRE_FALSE(twice);
  CHECK(code_of(twice.error()) == proc_errc::invalid_transition);
  CHECK_THAT(error_text(twice.error()), Catch::Contains("already processed"));
  CHECK(docs.rejected() == 3);
}

TEST_CASE("the document tracker holds a bounded number of documents") {
  document_tracker docs{"document_analysis", 2, 1};
  REQUIRE(docs.uploaded("d1", 0));
  REQUIRE(docs.uploaded("d2", 0));
  REQUIRE(docs.uploaded("d3", 0));
  CHECK(docs.in_progress() == 2);
  CHECK(docs.abandoned() == 1);
  CHECK_FALSE(docs.status("d1"));
  REQUIRE(docs.analyzed("d2", true, 1));
  REQUIRE(docs.analyzed("d3", true, 1));
  CHECK_FALSE(docs.status("d2"));
  CHECK(docs.status("d3") == document_status::analyzed);
}
