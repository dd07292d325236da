#include <cstdint>
#include <cstdlib>
#include <string>

#include "events/codec.hpp"
#include "events/json_writer.hpp"

// Whatever the codec accepts must re-encode into text it accepts again, unchanged.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static switchboard::codec dec;
  auto ev = dec.decode(std::string_view{reinterpret_cast<const char*>(data), size});
  if (!ev)
    return 0;
  std::string out;
  switchboard::write_json(out, (*ev)->root());
  auto again = dec.decode(std::string_view{out});
  if (!again)
    std::abort();
  std::string out2;
  switchboard::write_json(out2, (*again)->root());
  if (out != out2)
    std::abort();
  return 0;
}
