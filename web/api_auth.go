package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"frontdesk/fault"
	"frontdesk/web/httperr"
)

// Principal is the caller of an API request: a user account.
type Principal struct {
	Name string `json:"name"`
	Role string `json:"role"` // assistant or manager
	Away bool   `json:"away"` // routing skips assistants who are away
}

// Accounts is what the API needs of the user accounts (package accounts
// implements it through an adapter).
type Accounts interface {
	// Authenticate returns the owner of an API token. An error for which
	// fault.IsUnavailable is true means the accounts could not be read (the
	// API answers 503); any other error means the token is not valid (401).
	Authenticate(ctx context.Context, token string) (Principal, error)
	// SetAway sets whether a user is away.
	SetAway(ctx context.Context, name string, away bool) error
	// List returns every user.
	List(ctx context.Context) ([]Principal, error)
}

// principalKey is the request context key of the authenticated caller.
type principalKey struct{}

// caller returns the authenticated caller of an API request. Only handlers
// behind authenticate may call it.
func caller(r *http.Request) Principal {
	p, _ := r.Context().Value(principalKey{}).(Principal)
	return p
}

// authenticate lets a request through to next when it carries a bearer token
// (RFC 6750 §2.1) that Accounts knows and its owner has one of roles; the
// caller is then in the request's context. Otherwise it answers 401 with a
// WWW-Authenticate challenge (RFC 6750 §3), 403, or 503 when the accounts
// cannot be read.
func (s *Server) authenticate(roles []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="frontdesk"`)
			httperr.Write(w, r, s.logger, fmt.Errorf("%w: an Authorization: Bearer token is required", httperr.ErrUnauthorized))
			return
		}
		p, err := s.accounts.Authenticate(r.Context(), token)
		if err == nil && p.Name == "" {
			err = fmt.Errorf("token names no user")
		}
		if err != nil {
			if fault.IsUnavailable(err) {
				httperr.Write(w, r, s.logger, err)
				return
			}
			// The cause stays here: it may say whether a user exists.
			w.Header().Set("WWW-Authenticate", `Bearer realm="frontdesk", error="invalid_token"`)
			httperr.Write(w, r, s.logger, fmt.Errorf("%w: invalid token", httperr.ErrUnauthorized))
			return
		}
		if !slices.Contains(roles, p.Role) {
			httperr.Write(w, r, s.logger, fmt.Errorf("%w: role %q may not %s %s", httperr.ErrForbidden, p.Role, r.Method, r.URL.Path))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// bearerToken returns the token of an "Authorization: Bearer TOKEN" header;
// the scheme is case-insensitive (RFC 7235 §2.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
