package smtpsink

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a sink started with StartWith.
type Options struct {
	// OnMail, when set, is called for every mail accepted.
	OnMail func(Received)
	// Tokens, when set, makes the sink a submission server that asks for
	// AUTH by XOAUTH2 or OAUTHBEARER (RFC 7628) before MAIL: a session
	// signs in when Tokens accepts the OAuth2 access token for the user,
	// as Gmail's and Exchange Online's servers check theirs.
	Tokens func(user, token string) bool
	// Answer delays the answer to a mail's final dot: the mail is kept
	// as soon as the dot is read, as a real server's queue has it, and the
	// "250" comes Answer later, so that a client cut off meanwhile does
	// not know it was taken.
	Answer time.Duration
	// DSN advertises delivery status notifications (RFC 3461); Received
	// records what a mail asked for.
	DSN bool
}

// Auths counts the sign-ins the sink accepted and refused.
func (s *Sink) Auths() (accepted, refused int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted, s.refused
}

// errNotSignedIn answers MAIL before a sign-in the sink asks for.
var errNotSignedIn = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

// errRefused answers a token the sink does not take, as Gmail does.
var errRefused = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Username and Password not accepted"}

// AuthMechanisms offers the OAuth2 mechanisms when the sink checks tokens.
func (x *session) AuthMechanisms() []string {
	if x.s.tokens == nil {
		return nil
	}
	return []string{"XOAUTH2", sasl.OAuthBearer}
}

// Auth checks a token by the mechanism the client chose.
func (x *session) Auth(mech string) (sasl.Server, error) {
	if x.s.tokens == nil {
		return nil, smtp.ErrAuthUnsupported
	}
	switch mech {
	case "XOAUTH2":
		return &xoauth2Server{check: x.check}, nil
	case sasl.OAuthBearer:
		return refusing{sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if !x.check(o.Username, o.Token) {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		})}, nil
	}
	return nil, smtp.ErrAuthUnsupported
}

// check records a sign-in's outcome.
func (x *session) check(user, token string) bool {
	ok := x.s.tokens(user, token)
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if ok {
		x.s.accepted++
		x.user = user
	} else {
		x.s.refused++
	}
	return ok
}

// refusing ends a failed OAUTHBEARER exchange with 535, not go-smtp's
// temporary 454.
type refusing struct{ sasl.Server }

func (r refusing) Next(resp []byte) ([]byte, bool, error) {
	c, done, err := r.Server.Next(resp)
	if err != nil {
		return nil, true, errRefused
	}
	return c, done, nil
}

// xoauth2Server is the server side of XOAUTH2: the initial response
// "user=" USER ^A "auth=Bearer " TOKEN ^A ^A; a refusal is a JSON challenge,
// answered by the client with an empty response, then 535.
type xoauth2Server struct {
	check  func(user, token string) bool
	failed bool
}

func (s *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if s.failed {
		return nil, true, errRefused
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	var user, token string
	for _, kv := range bytes.Split(resp, []byte{1}) {
		k, v, _ := strings.Cut(string(kv), "=")
		switch k {
		case "user":
			user = v
		case "auth":
			if t, ok := strings.CutPrefix(v, "Bearer "); ok {
				token = t
			}
		}
	}
	if user == "" || token == "" {
		return nil, true, errors.New("malformed XOAUTH2 response")
	}
	if s.check(user, token) {
		return nil, true, nil
	}
	s.failed = true
	challenge, _ := json.Marshal(map[string]string{"status": "401", "schemes": "Bearer", "scope": "https://mail.google.com/"})
	return challenge, false, nil
}
