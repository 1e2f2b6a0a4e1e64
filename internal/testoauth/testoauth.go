// Package testoauth is an OAuth2 authorization server for tests, on
// loopback: an authorization endpoint (the code grant with PKCE, RFC 7636),
// a token endpoint (authorization_code and refresh_token grants, RFC 6749),
// and an introspection endpoint (RFC 7662) that a mail server such as
// Dovecot's oauth2 passdb asks whether an access token is good.
//
// It is strict where a real provider may be strict: access tokens live
// AccessTTL (3 s by default, so that a test sees several refreshes);
// refresh tokens rotate on every use, and a refresh token used a second
// time revokes its whole grant (reuse detection, OAuth 2.0 Security BCP
// §4.14.2), so that two instances refreshing at once fail loudly; codes
// are single use, bound to their redirect URI and PKCE challenge. Revoke
// withdraws a user's consent.
package testoauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Client credentials the server accepts.
const (
	ClientID     = "frontdesk-test"
	ClientSecret = "test-client-secret"
)

// Server is a running test authorization server.
type Server struct {
	// URL is the server's base, http://127.0.0.1:PORT.
	URL string
	// AccessTTL is the life of an access token. Default: 3s.
	AccessTTL time.Duration
	// User is whom the authorization page consents as when the request
	// has no login_hint.
	User string

	srv *http.Server

	mu      sync.Mutex
	codes   map[string]*code
	refresh map[string]*refreshToken
	access  map[string]*accessToken
	grants  map[int]*grant
	seq     int
	// deny makes the authorization page answer access_denied.
	deny bool
	// stats
	refreshes     map[string]int // successful refresh grants per user
	introspected  map[string]int // active introspections per user
	refused       int            // introspections of tokens not active
	reuses        int            // refresh tokens presented twice
	authorizeSeen []url.Values
}

type grant struct {
	id      int
	user    string
	scope   string
	revoked bool
}

type code struct {
	g         *grant
	redirect  string
	challenge string
	expires   time.Time
}

type refreshToken struct {
	g    *grant
	used bool
}

type accessToken struct {
	g       *grant
	expires time.Time
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		AccessTTL: 3 * time.Second,
		User:      "desk",
		codes:     map[string]*code{}, refresh: map[string]*refreshToken{}, access: map[string]*accessToken{},
		grants: map[int]*grant{}, refreshes: map[string]int{}, introspected: map[string]int{},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /introspect", s.introspect)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	s.URL = "http://" + ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// AuthURL, TokenURL and IntrospectionURL are the endpoints.
func (s *Server) AuthURL() string          { return s.URL + "/authorize" }
func (s *Server) TokenURL() string         { return s.URL + "/token" }
func (s *Server) IntrospectionURL() string { return s.URL + "/introspect" }

// Grant records user's consent out of band, as a service account's setup
// does, and returns its refresh token.
func (s *Server) Grant(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newRefresh(s.newGrant(user, "mail"))
}

// Revoke withdraws every consent of user: their refresh tokens answer
// invalid_grant and their access tokens stop being active.
func (s *Server) Revoke(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.grants {
		if g.user == user {
			g.revoked = true
		}
	}
}

// EndAccessTokens ends every access token of user before its time, as a
// provider may (a changed policy, a signed-out session); refresh tokens
// stay good.
func (s *Server) EndAccessTokens(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.access {
		if a.g.user == user {
			a.expires = time.Now()
		}
	}
}

// Deny makes the authorization page refuse (error=access_denied), as a
// person who clicks "Cancel" at the provider does.
func (s *Server) Deny(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = on
}

// Refreshes is how many refresh grants succeeded for user.
func (s *Server) Refreshes(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes[user]
}

// Introspected is how many introspections found a token of user active.
func (s *Server) Introspected(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.introspected[user]
}

// Refused is how many introspections found a token not active.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Reuses is how many times a rotated-out refresh token was presented again.
func (s *Server) Reuses() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reuses
}

// AuthorizeRequests returns the query of every authorization request.
func (s *Server) AuthorizeRequests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.authorizeSeen...)
}

// Active reports whether accessToken is a live token of user: what a mail
// server checks (the SMTP test servers use it).
func (s *Server) Active(user, accessToken string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.access[accessToken]
	return ok && !a.g.revoked && time.Now().Before(a.expires) && a.g.user == user
}

func (s *Server) newGrant(user, scope string) *grant {
	s.seq++
	g := &grant{id: s.seq, user: user, scope: scope}
	s.grants[g.id] = g
	return g
}

func (s *Server) newRefresh(g *grant) string {
	tok := "rt-" + random()
	s.refresh[tok] = &refreshToken{g: g}
	return tok
}

func (s *Server) newAccess(g *grant) (string, time.Duration) {
	tok := "at-" + random()
	s.access[tok] = &accessToken{g: g, expires: time.Now().Add(s.AccessTTL)}
	return tok, s.AccessTTL
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorize is the authorization endpoint: it checks the request and sends
// the browser straight back to redirect_uri with a code (or access_denied),
// as a provider does once the person consented.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.authorizeSeen = append(s.authorizeSeen, q)
	deny := s.deny
	s.mu.Unlock()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || q.Get("client_id") != ClientID {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	switch {
	case deny:
		back.Set("error", "access_denied")
		back.Set("error_description", "The user declined.")
	case q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) < 43:
		back.Set("error", "invalid_request")
		back.Set("error_description", "response_type code with an S256 code_challenge is required")
	default:
		user := q.Get("login_hint")
		if user == "" {
			user = s.User
		}
		c := "code-" + random()
		s.mu.Lock()
		s.codes[c] = &code{g: s.newGrant(user, q.Get("scope")), redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
			expires: time.Now().Add(time.Minute)}
		s.mu.Unlock()
		back.Set("code", c)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token is the token endpoint.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	if id != ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(ClientSecret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var g *grant
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		c, ok := s.codes[r.PostForm.Get("code")]
		delete(s.codes, r.PostForm.Get("code")) // single use
		switch {
		case !ok || time.Now().After(c.expires):
			tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown or expired code")
			return
		case c.redirect != r.PostForm.Get("redirect_uri"):
			tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
			return
		case challenge(r.PostForm.Get("code_verifier")) != c.challenge:
			tokenError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
			return
		}
		g = c.g
	case "refresh_token":
		rt, ok := s.refresh[r.PostForm.Get("refresh_token")]
		switch {
		case !ok:
			tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
			return
		case rt.used:
			// A rotated-out token came back: someone else has it too.
			s.reuses++
			rt.g.revoked = true
			tokenError(w, http.StatusBadRequest, "invalid_grant", "refresh token reused; the grant is revoked")
			return
		case rt.g.revoked:
			tokenError(w, http.StatusBadRequest, "invalid_grant", "AADSTS50173: the grant was revoked")
			return
		}
		rt.used = true
		g = rt.g
		s.refreshes[g.user]++
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	at, ttl := s.newAccess(g)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": int(ttl / time.Second),
		"refresh_token": s.newRefresh(g), "scope": g.scope,
	})
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func tokenError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// introspect is the introspection endpoint (RFC 7662 §2): token=… in a
// form; the answer says whether it is active and whose it is.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	s.mu.Lock()
	a, ok := s.access[tok]
	active := ok && !a.g.revoked && time.Now().Before(a.expires)
	answer := map[string]any{"active": active}
	if active {
		s.introspected[a.g.user]++
		answer["username"] = a.g.user
		answer["exp"] = a.expires.Unix()
		answer["scope"] = a.g.scope
		answer["client_id"] = ClientID
	} else {
		s.refused++
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}
