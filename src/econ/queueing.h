// Sizing a pool of replicas for a latency target with a queueing model: requests arrive as a
// Poisson stream; a replica holds `slots` requests at once (its concurrency at the capacity
// point), each for its end-to-end time, so the pool is an M/M/c queue with c = replicas × slots
// servers. A request waits (in the engine's queue, before its prefill) when every slot is taken.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

namespace pertoken::econ {

// The probability that an arrival waits in an M/M/c queue with `servers` servers and offered
// load a = arrival rate / service rate (Erlang C). 1 when a >= servers (unstable).
double ErlangC(int64_t servers, double offered_load);

// The mean wait of an M/M/c queue: ErlangC / (c × mu − lambda); infinite when unstable.
double MeanWaitS(int64_t servers, double arrival_per_s, double service_per_s);

// The fewest replicas of `slots` slots each whose mean wait at `arrival_per_s` requests per second,
// each holding a slot for `hold_s` seconds, is at most `max_wait_s`. REQUIRES: all positive.
int64_t ReplicasForWait(double arrival_per_s, int64_t slots, double hold_s, double max_wait_s);

}  // namespace pertoken::econ
