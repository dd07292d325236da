#include <catch2/catch.hpp>

#include "actors/processors.hpp"
#include "tests/actors/processor_harness.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

processor_harness document_harness() {
  return processor_harness{make_document_processor(processors_config{})};
}

event_ptr upload(processor_harness& h, const std::string& id) {
  return must(h.input.create_document_event(id, "uploaded", "uploaded", "/in/" + id + ".pdf"));
}

} // namespace

TEST_CASE("an upload starts an analysis task that finishes the document") {
  auto h = document_harness();
  auto up = upload(h, "doc-1");
  auto r = h.handle(up);
  CHECK(r.rejection.empty());
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"task_created"});
  const auto& created = r.outputs[0];
  CHECK(created->data_string("task_type") == "analysis");
  CHECK(created->data_string("document_id") == "doc-1");
  CHECK(created->data_string("file_path") == "/in/doc-1.pdf");
  CHECK(created->data_string("status") == "pending");
  auto task_id = std::string{created->data_string("task_id")};
  CHECK_FALSE(task_id.empty());
  CHECK(created->source() == "processor.document");
  CHECK(created->correlation_id() == up->event_id());
  CHECK(created->hops() == 1);

  // The agent pool runs the task and reports it done 2.5 s later.
  h.now += 2.5;
  auto done = must(h.input.create_task_event(task_id, "completed", "analysis", "completed", {},
                                             {{"document_id", "doc-1"}}));
  r = h.handle(done);
  CHECK(r.rejection.empty());
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"document_analyzed"});
  CHECK(r.outputs[0]->data_string("document_id") == "doc-1");
  CHECK(r.outputs[0]->data_string("status") == "analyzed");
  CHECK(r.outputs[0]->data_string("task_id") == task_id);

  // The document_analyzed comes back through the routes: not counted twice.
  auto echo = r.outputs[0];
  r = h.handle(echo);
  CHECK(r.rejection.empty());
  CHECK(r.outputs.empty());

  auto s = h.stats();
  CHECK(count_at(s, "documents.uploaded") == 1);
  CHECK(count_at(s, "documents.analyzed") == 1);
  CHECK(count_at(s, "documents.failed") == 0);
  CHECK(count_at(s, "in_progress") == 0);
  CHECK(count_at(s, "echoes") == 1);
  CHECK(count_at(s, "analysis_seconds.count") == 1);
  CHECK(number_at(s, "analysis_seconds.avg") == Approx(2.5));
  CHECK(number_at(s, "analysis_seconds.p99") == Approx(2.5));
  CHECK(count_at(s, "handled") == 3);
  CHECK(count_at(s, "emitted") == 2);
  CHECK(count_at(s, "rejected") == 0);
}

TEST_CASE("a failed analysis task fails its document") {
  auto h = document_harness();
  auto r = h.handle(upload(h, "doc-2"));
  auto task_id = std::string{r.outputs.at(0)->data_string("task_id")};
  auto failed = must(h.input.create_task_event(task_id, "failed", "analysis", "failed", {},
                                               {{"document_id", "doc-2"}}));
  r = h.handle(failed);
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"document_analyzed"});
  CHECK(r.outputs[0]->data_string("status") == "failed");
  auto s = h.stats();
  CHECK(count_at(s, "documents.failed") == 1);
  CHECK(count_at(s, "documents.analyzed") == 0);
}

TEST_CASE("processing times are measured from the upload") {
  auto h = document_harness();
  h.handle(upload(h, "doc-3"));
  h.now += 4;
  auto r = h.handle(must(h.input.create_document_event("doc-3", "processed", "processed", "/x")));
  CHECK(r.rejection.empty());
  CHECK(r.outputs.empty());
  auto s = h.stats();
  CHECK(count_at(s, "documents.processed") == 1);
  CHECK(number_at(s, "processing_seconds.avg") == Approx(4));
  CHECK(count_at(s, "in_progress") == 1);
}

TEST_CASE("invalid document workflow steps are rejected with the reason") {
  auto h = document_harness();
  auto r = h.handle(must(h.input.create_document_event("ghost", "processed", "processed", "/x")));
  CHECK_THAT(r.rejection, Catch::Contains("ghost") && Catch::Contains("never uploaded"));
  CHECK(r.outputs.empty());
  r = h.handle(must(h.input.create_document_event("ghost", "analyzed", "analyzed", "/x")));
  CHECK_THAT(r.rejection, Catch::Contains("ghost"));
  h.handle(upload(h, "doc-4"));
  r = h.handle(upload(h, "doc-4"));
  CHECK_THAT(r.rejection, Catch::Contains("doc-4") && Catch::Contains("already uploaded"));
  CHECK(r.outputs.empty());
  r = h.handle(must(h.input.create("document_uploaded", {{"file_path", "/x"}})));
  CHECK_THAT(r.rejection, Catch::Contains("document_id"));
  auto s = h.stats();
  CHECK(count_at(s, "rejected") == 4);
  CHECK(count_at(s, "handled") == 5);
}

TEST_CASE("tasks that are not a document's analysis are left alone") {
  auto h = document_harness();
  auto r = h.handle(must(h.input.create_task_event("t-9", "completed", "summarization",
                                                   "completed")));
  CHECK(r.rejection.empty());
  CHECK(r.outputs.empty());
  r = h.handle(must(h.input.create_task_event("t-10", "completed", "analysis", "completed", {},
                                              {{"document_id", "unknown-doc"}})));
  CHECK(r.rejection.empty());
  CHECK(r.outputs.empty());
  CHECK(count_at(h.stats(), "ignored") == 2);
}

TEST_CASE("a refused analysis task fails its document without an event") {
  auto h = document_harness();
  auto r = h.handle(upload(h, "doc-3"));
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"task_created"});
  auto task = r.outputs[0];
  CHECK(count_at(h.stats(), "in_progress") == 1);
  CHECK(h.refused(task).outputs.empty());
  auto s = h.stats();
  CHECK(count_at(s, "in_progress") == 0);
  CHECK(count_at(s, "documents.failed") == 1);
  CHECK(count_at(s, "refused_analyses") == 1);
  // Told twice, or of a task that is no document's analysis, nothing more happens.
  h.refused(task);
  auto other = must(h.input.create_task_event("t-7", "created", "report", "pending", {}, {}));
  h.refused(other);
  CHECK(count_at(h.stats(), "refused_analyses") == 1);
  CHECK(count_at(h.stats(), "documents.failed") == 1);
  // Failed as a document whose analysis failed: later steps are refused with that.
  auto processed = must(h.input.create_document_event("doc-3", "processed", "processed",
                                                      "/in/doc-3.pdf"));
  CHECK(h.handle(processed).rejection.find("it is already failed") != std::string::npos);
}
