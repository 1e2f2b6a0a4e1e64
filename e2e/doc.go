// Package e2e tests the frontdesk binary end to end: it builds
// ./cmd/frontdesk once, runs `frontdesk serve` as a separate process against a
// real Redis and a real Dovecot (package internal/testdovecot), kills and
// restarts it, and checks what reached Redis and the mailbox.
//
// The tests need FRONTDESK_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/9) and
// Dovecot; without them they are skipped with a message, or fail when
// CI=true. Each test keeps its keys under a prefix of its own and deletes them
// when it ends. With -short the import tests use fewer mails.
package e2e
