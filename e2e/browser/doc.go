// Package browser tests frontdesk's web UI end to end in a real browser. It
// builds ./cmd/frontdesk once, runs `frontdesk serve` as a separate process
// against a real Redis, an in-process SMTP sink and a fake Twilio REST API,
// and drives headless Chromium through it with chromedp: an assistant who
// never signed in before takes, answers and closes a mail ticket and a
// voicemail ticket with the keyboard shortcuts; times show in the browser's
// own timezone; a manager changes a routing rule and tests it; and a mail
// full of XSS attempts runs no script, loading nothing remote until the
// assistant asks for its images.
//
// The tests need FRONTDESK_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/9) and
// Chromium (/usr/bin/chromium, Debian's package chromium, or the binary named
// by FRONTDESK_TEST_CHROMIUM). Without either they are skipped with a
// message, or fail when CI=true. Each test keeps its keys under a prefix of
// its own and deletes them when it ends. With FRONTDESK_SCREENSHOTS=DIR the
// tests save screenshots of the pages they visit in DIR, as PNG.
package browser
