// Package jobs runs background work that must not be lost — downloading a
// voicemail's audio, a text's pictures — from a queue in Redis, with retries,
// leases and a dead list.
//
// A webhook enqueues a job and answers at once; workers in every instance
// (Queue.Run) take due jobs, one at a time each, and call the handler. The
// queue guarantees at-least-once: a job leaves the queue only when its
// handler returned nil, so handlers must be idempotent (attaching the same
// recording twice must store it once).
//
// # Life of a job
//
//   - Enqueue puts the job in the due set at its run time. It is idempotent by
//     job id: an id that is queued, running, dead or done (within
//     Options.DoneRetention) is left as it is.
//   - A worker claims the earliest due job in one script: the job moves to the
//     running set with a lease (Options.Lease), its attempt count goes up by
//     one and a random claim token is stored with it.
//   - Handler returns nil: the job is removed and its id kept in the done set.
//     Handler error: the job goes back to the due set after a backoff
//     (BackoffMin doubling per attempt up to BackoffMax, plus up to 25%
//     jitter), or to the dead list once MaxAttempts attempts were made, or at
//     once when the error is wrapped with Permanent. The last error is kept.
//   - A handler error for which fault.IsUnavailable is true (Redis was
//     down for it) does not count as an attempt: the job runs again after
//     BackoffMin, never reaching the dead list for an outage.
//   - A dead job can be put back (Retry, its attempts counted afresh) or
//     dropped (Purge): `frontdesk jobs retry|purge -queue NAME`.
//   - Completing and failing check the claim token in the same script, so a
//     worker whose lease ran out and whose job another worker took again can
//     neither complete nor fail the new claim. A handler's context ends when
//     its lease does.
//   - Every claim first moves running jobs whose lease expired (the worker
//     crashed, or took too long) back to the due set — or to the dead list,
//     when that was their last attempt, so a job that kills its worker does not
//     come back forever.
//   - When Run's context ends, running handlers are cancelled and their jobs
//     are put back as due at once, without counting the attempt.
//
// When Redis cannot be reached, Enqueue, Stats and Dead return errors for
// which fault.IsUnavailable is true; workers wait (Poll, doubling up to
// 10×Poll) and keep trying, and log once when Redis goes away and once when
// it is back.
//
// # Redis keys
//
// All under PREFIX:jobs:{NAME}: (one hash tag per queue, so that each script
// touches one Redis Cluster slot, and declares every key it touches):
//
//	PREFIX:jobs:{NAME}:jobs     hash        job id → JSON {kind, payload (base64), attempt, enqueued, error, failed, claim}; removed when the job is done
//	PREFIX:jobs:{NAME}:due      sorted set  queued job ids, scored by run-at (unix ms)
//	PREFIX:jobs:{NAME}:running  sorted set  claimed job ids, scored by lease expiry (unix ms)
//	PREFIX:jobs:{NAME}:dead     sorted set  failed job ids, scored by when they died (unix ms); the job and its last error stay in the jobs hash
//	PREFIX:jobs:{NAME}:done     sorted set  finished job ids, scored by when they finished (unix ms), trimmed to DoneRetention at each completion: the idempotency record of Enqueue
package jobs
