package ui

import (
	"context"
	"crypto/rand"
	"net/http"
)

// loginData is the login page's.
type loginData struct {
	Name string
	Next string
}

// handleLoginPage shows the login form. Its form token is a random value in a
// cookie of its own (there is no session yet): a form posted from elsewhere
// cannot know it.
func (h *Handlers) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	h.showLogin(w, r, http.StatusOK, "", r.URL.Query().Get("next"), "")
}

func (h *Handlers) showLogin(w http.ResponseWriter, r *http.Request, status int, name, next, problem string) {
	// One token per browser: a second tab's login page keeps the first's.
	token := rand.Text()
	if c, err := h.cookie(r, loginCSRFCookie); err == nil && len(c.Value) == len(token) {
		token = c.Value
	}
	h.setCookie(w, r, loginCSRFCookie, token, 0)
	ctx := context.WithValue(r.Context(), csrfKey{}, token)
	h.render(w, r.WithContext(ctx), status, "login", &pageData{
		Title:   "Sign in",
		Problem: problem,
		Data:    loginData{Name: name, Next: localPath(next)},
	})
}
