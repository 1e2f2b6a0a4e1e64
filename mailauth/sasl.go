package mailauth

import (
	"encoding/json"
	"strings"

	"github.com/emersion/go-sasl"
)

// SASL mechanisms.
const (
	XOAuth2     = "XOAUTH2"
	OAuthBearer = sasl.OAuthBearer // RFC 7628
)

// Protocol names the protocol a SASL exchange runs in: they differ in how an
// empty response is written.
type Protocol int

// Protocols.
const (
	IMAP Protocol = iota
	SMTP
)

// SASLClient signs in with an OAuth2 access token by XOAUTH2 or
// OAUTHBEARER. When the server refuses the token it sends a challenge
// explaining why (a JSON object, RFC 7628 §3.2.2); the client answers it as
// the mechanism asks, so that the server ends the exchange with its own
// refusal (IMAP NO, SMTP 535), and keeps the explanation in Problem.
type SASLClient struct {
	sasl.Client
	mech string
	// dummy answers the error challenge: OAUTHBEARER's %x01 (RFC 7628
	// §3.2.3); XOAUTH2's empty response, which go-imap writes as "=", which
	// Dovecot refuses: %x01 there too.
	dummy []byte
	// Problem is the server's explanation of a refusal: its status and
	// scope.
	Problem string
}

// NewSASLClient returns a client of mechanism mech (XOAuth2 or OAuthBearer)
// signing in as user with token, to host:port, in protocol proto.
func NewSASLClient(mech, user, token, host string, port int, proto Protocol) *SASLClient {
	c := &SASLClient{mech: mech, dummy: []byte{1}}
	if mech == OAuthBearer {
		// go-sasl writes the initial response; its Next gives up on the
		// error challenge instead of answering it, which in IMAP would
		// leave the command unfinished.
		c.Client = sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token, Host: host, Port: port})
		return c
	}
	c.Client = xoauth2{user: user, token: token}
	if proto == SMTP {
		c.dummy = []byte{}
	}
	return c
}

// Next answers the error challenge, the only one either mechanism has.
func (c *SASLClient) Next(challenge []byte) ([]byte, error) {
	var e struct {
		Status string `json:"status"`
		Scope  string `json:"scope"`
	}
	if json.Unmarshal(challenge, &e) == nil && e.Status != "" {
		c.Problem = "status " + e.Status
		if e.Scope != "" {
			c.Problem += ", scope " + e.Scope
		}
	} else {
		c.Problem = strings.ToValidUTF8(string(challenge), "?")
	}
	return c.dummy, nil
}

// xoauth2 writes XOAUTH2's initial response: "user=" {User} ^A "auth=Bearer "
// {Token} ^A ^A (Google's and Microsoft's documentation of the mechanism).
type xoauth2 struct{ user, token string }

func (x xoauth2) Start() (string, []byte, error) {
	return XOAuth2, []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

func (x xoauth2) Next([]byte) ([]byte, error) { return nil, sasl.ErrUnexpectedServerChallenge }
