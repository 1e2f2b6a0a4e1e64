// Package mailauth signs frontdesk in to mail servers with OAuth2: the
// mailboxes (IMAP) and the outgoing server (SMTP) whose configuration says
// auth: oauth2, as Microsoft 365 and Gmail require. It speaks SASL XOAUTH2
// (what Gmail and Exchange Online document) and OAUTHBEARER (RFC 7628), gets
// tokens from the provider with golang.org/x/oauth2, and keeps them in Redis
// encrypted with secrets.key (package internal/secrets), so that every
// instance shares one connection per mailbox.
//
// # Connecting
//
// A manager connects an account on the settings page: frontdesk sends the
// browser to the provider (the authorization code flow with PKCE, RFC 7636;
// its state single use, bound to the manager's session, valid 10 minutes),
// the provider sends it back to {http.public_url}/oauth2/callback with a
// code, and frontdesk trades the code for a refresh token. Or the
// configuration gives a refresh token (oauth2.refresh_token, for a service
// setup); it is copied to Redis when frontdesk starts and its value is new.
//
// # Tokens
//
// An access token is refreshed before it expires (when a quarter of its
// life, at most 5 minutes, is left) and whenever the mail server refuses it.
// Across instances one refreshes at a time, under a lock in Redis; the
// others wait for it and read the new token from Redis. A mailbox's token
// is kept fresh by the instance holding the mailbox's lease (package
// imappoll: it is the only one that signs in to the mailbox); the outgoing
// server's by whichever instance gets the lock first. A refresh token the
// provider rotates is stored in the same compare-and-set as the access token
// (a Lua script that checks the record's generation and the lock), so a
// stale instance never writes back an old one. Expiry times are Redis's
// clock (package internal/redisclock), the same on every instance.
//
// # Failing for good
//
// When the provider refuses the refresh token (invalid_grant: consent
// revoked, the password changed or expired; invalid_client: the app's secret
// expired), the account is marked failed in Redis, once, by the instance
// that saw it first, which logs one line, counts it in
// frontdesk_mailbox_auth_failures_total{mailbox} (frontdesk_smtp_auth_failures_total
// for SMTP) and has the managers told by mail (notify.managers, through the
// outbox: a closed ticket of its own records the notice and its delivery).
// Until a manager reconnects the account, no refresh is tried again: the
// settings page shows it red with "Reconnect", /readyz names it (and stays
// ready: only that mailbox waits; its mail stays on the server), and
// frontdesk_mailbox_auth_failed{mailbox} is 1. Nothing else stops.
//
// Tokens are never logged, shown, or answered by the API. Errors from the
// provider carry its error code and description only.
//
// # Redis keys
//
//	PREFIX:oauth2:{ACCOUNT}        hash    one account's connection (ACCOUNT is mailbox:NAME or smtp): refresh, access (sealed),
//	                                       expiry, lifetime (ms), gen, source, by, connected_at, refreshed_at, failed, failed_at,
//	                                       incident, notified, refused, refused_at, config_seed
//	PREFIX:oauth2:{ACCOUNT}:lock   string  the instance refreshing the account's token, for 30 s at most
//	PREFIX:oauth2:state:STATE      string  a connection under way (JSON: account, PKCE verifier, session binding, user), 10 min
package mailauth
