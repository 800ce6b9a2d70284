// Checkpoints of agent sessions in a store: JSON meta, snapshot bytes and the tape, in one batch.
#include "agent/agent_run.hpp"

namespace recur::agent {
namespace {

std::string key(const std::string& id, const char* what) {
  return "session/" + id + "/" + what;
}
std::string tape_key(const std::string& id) {
  return "session/" + id + "/tape";
}

}  // namespace

Status add_checkpoint(const Store& store, AgentRun& run, std::vector<std::uint8_t> snapshot,
                      WriteBatch& batch) {
  const std::string& id = run.spec().id;
  Checkpoint c = run.checkpoint(std::move(snapshot));
  batch.put(key(id, "checkpoint"), c.meta.dump());
  batch.put(key(id, "snapshot"),
            std::string_view(reinterpret_cast<const char*>(c.snapshot.data()), c.snapshot.size()));
  if (const Tape* tape = run.protocol().tape())
    return add_tape_changes(store, tape_key(id), *tape, batch);
  return {};
}

Status write_checkpoint(const Store& store, AgentRun& run, std::vector<std::uint8_t> snapshot) {
  WriteBatch batch;
  if (auto s = add_checkpoint(store, run, std::move(snapshot), batch); !s) return s;
  return store.write(batch);
}

Result<StoredSession> read_checkpoint(const Store& store, const std::string& id) {
  auto meta = store.get(key(id, "checkpoint"));
  if (!meta) return meta.error();
  if (!*meta)
    return fail(ErrorCode::not_found,
                "session " + id + ": no checkpoint in " + store.dir().string());
  auto snapshot = store.get(key(id, "snapshot"));
  if (!snapshot) return snapshot.error();
  if (!*snapshot)
    return fail(ErrorCode::data_loss, "session " + id + ": the checkpoint has no snapshot");
  StoredSession s;
  s.checkpoint.meta = Json::parse(**meta, nullptr, false);
  if (s.checkpoint.meta.is_discarded())
    return fail(ErrorCode::data_loss, "session " + id + ": the checkpoint is not valid JSON");
  s.checkpoint.snapshot.assign((*snapshot)->begin(), (*snapshot)->end());
  if (s.checkpoint.meta.value("protocol", "") == "pointer") {
    auto tape = load_tape(store, tape_key(id));
    if (!tape) return tape.error().context("session " + id);
    s.tape = std::move(*tape);
  }
  return s;
}

}  // namespace recur::agent
