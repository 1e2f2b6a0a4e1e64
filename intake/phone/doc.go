// Package phone receives Twilio's webhooks for calls, voicemail, texts and
// faxes, and hands each one, as a typed event, to a Sink that stores it.
//
// It is only the HTTP side. For every request a Webhooks handler
//
//  1. reads the raw body, at most 1 MB (413 beyond that), before parsing it;
//  2. checks the X-Twilio-Signature header: HMAC-SHA1, keyed with the
//     account's auth token, over the URL Twilio requested (http.public_url
//     followed by the path and query) and the POST parameters sorted by name
//     (https://www.twilio.com/docs/usage/webhooks/webhooks-security). A
//     missing or wrong signature gets 403 and reaches no Sink;
//  3. checks the SIDs (sids.go): AccountSid must be twilio.account_sid's,
//     and the SIDs the event is keyed by must be of their kind's form (CA,
//     RE, TR, SM or MM, FX, then 32 lower-case hex digits; a SignalWire fax
//     has UUIDs). A signature covers the parameters concatenated without
//     separators, so a captured request can be re-cut into others with the
//     same signature, and a new SID would get past idempotency. A request
//     that fails gets 400 and reaches no Sink;
//  4. parses the form into an event: Call, Recording, Transcription,
//     CallStatus, SMS or Fax, each with the Common fields and our Number,
//     resolved from Twilio's To parameter;
//  5. calls the Sink, and answers only once the Sink has stored the event
//     (and Options.Durable says the store keeps it): TwiML for an incoming
//     call or text, 204 for a callback. When the store is unavailable
//     (fault.IsUnavailable from the Sink or Durable, or a Sink slower than
//     SinkTimeout), the webhook goes to the instance's spool (Options.Spool,
//     spool.go), fsynced, and is answered as if stored: Twilio does not
//     deliver a webhook again after a 503 by default. RunSpool replays
//     spooled webhooks through the Sink, in the order they came, once the
//     store is back. Without a spool, or with a full one, the request is
//     answered 503 with Retry-After; any other failure is a 500. An event
//     neither stored nor spooled is never answered 2xx.
//
// # The call flow
//
// An incoming call (POST /twilio/voice) is answered with a greeting and a
// <Record> verb: the caller leaves a voicemail, and Twilio then reports the
// recording (/twilio/voice/recording), its transcript when the number has
// transcribe set (/twilio/voice/transcription), and, when the number's status
// callback points at /twilio/voice/status, the call's end (missed and
// abandoned calls). <Record>'s action is /twilio/voice/after-record, which
// hangs up: without an action Twilio requests the voice URL again and the
// caller hears the greeting once more.
//
// Twilio delivers an event more than once when it retries; every Sink method
// must therefore be idempotent, keyed by the event's SID.
package phone
