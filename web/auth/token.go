package auth

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"frontdesk/fault"
	"frontdesk/web/httperr"
)

// RequireToken lets a request through to next when it carries a bearer token
// (RFC 6750 §2.1) that accounts knows and its owner has one of roles; the
// caller is then in the request's context (Caller). Otherwise it answers 401
// with a WWW-Authenticate challenge (RFC 6750 §3), 403, or 503 when the
// accounts cannot be read; errors are answered, and 500s logged to logger,
// through httperr.Write.
func RequireToken(accounts Accounts, logger *slog.Logger, roles []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := BearerToken(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="frontdesk"`)
			httperr.Write(w, r, logger, fmt.Errorf("%w: an Authorization: Bearer token is required", httperr.ErrUnauthorized))
			return
		}
		p, err := accounts.Authenticate(r.Context(), token)
		if err == nil && p.Name == "" {
			err = fmt.Errorf("token names no user")
		}
		if err != nil {
			if fault.IsUnavailable(err) {
				httperr.Write(w, r, logger, err)
				return
			}
			// The cause stays here: it may say whether a user exists.
			w.Header().Set("WWW-Authenticate", `Bearer realm="frontdesk", error="invalid_token"`)
			httperr.Write(w, r, logger, fmt.Errorf("%w: invalid token", httperr.ErrUnauthorized))
			return
		}
		if !slices.Contains(roles, p.Role) {
			httperr.Write(w, r, logger, fmt.Errorf("%w: role %q may not %s %s", httperr.ErrForbidden, p.Role, r.Method, r.URL.Path))
			return
		}
		next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), p)))
	})
}

// BearerToken returns the token of an "Authorization: Bearer TOKEN" header;
// the scheme is case-insensitive (RFC 7235 §2.1).
func BearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
