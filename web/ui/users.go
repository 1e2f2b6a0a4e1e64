package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"frontdesk/web/auth"
)

// usersPage is the users page's data.
type usersPage struct {
	Users []userRow
	// CanEdit is whether the server lets managers add users and set
	// passwords (Options.Users).
	CanEdit bool
	Roles   []string
	// AddName and AddRole are the add form's values, kept when it is
	// refused.
	AddName, AddRole string
}

// userRow is one user on the users page.
type userRow struct {
	auth.Principal
}

// PasswordAction is where the user's password form posts.
func (u userRow) PasswordAction() string { return "/users/" + url.PathEscape(u.Name) + "/password" }

// handleUIUsers lists every user, with the forms to add one and set
// passwords when the server allows it.
func (h *Handlers) handleUIUsers(w http.ResponseWriter, r *http.Request) {
	h.showUsers(w, r, http.StatusOK, usersPage{AddRole: auth.RoleAssistant}, "")
}

// showUsers renders the users page.
func (h *Handlers) showUsers(w http.ResponseWriter, r *http.Request, status int, page usersPage, problem string) {
	users, err := h.Accounts.List(r.Context())
	if err != nil {
		h.uiError(w, r, fmt.Errorf("list the users: %w", err))
		return
	}
	for _, u := range users {
		page.Users = append(page.Users, userRow{u})
	}
	page.CanEdit, page.Roles = h.users != nil, []string{auth.RoleAssistant, auth.RoleManager}
	h.render(w, r, status, "users", &pageData{Title: "Users", Nav: "users", Problem: problem, Data: page})
}

// usersEditable answers 404 when the server does not let managers change
// users.
func (h *Handlers) usersEditable(w http.ResponseWriter, r *http.Request) bool {
	if h.users == nil {
		h.renderError(w, r, http.StatusNotFound, "Users cannot be changed through the web UI on this server.")
		return false
	}
	return true
}

// handleUIUserAdd adds a user (form fields name, role, password). A name or
// role that is refused shows the page again with the reason: 400, or 409
// for a name that is taken.
func (h *Handlers) handleUIUserAdd(w http.ResponseWriter, r *http.Request) {
	if !h.usersEditable(w, r) {
		return
	}
	name, role := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("role")
	if err := h.users.AddUser(r.Context(), name, role, r.PostForm.Get("password")); err != nil {
		h.userProblem(w, r, fmt.Errorf("add user %q: %w", name, err), usersPage{AddName: name, AddRole: role})
		return
	}
	h.seeOther(w, r, "/users", fmt.Sprintf("User %s added", name))
}

// handleUIUserPassword sets user {name}'s password (form field password).
func (h *Handlers) handleUIUserPassword(w http.ResponseWriter, r *http.Request) {
	if !h.usersEditable(w, r) {
		return
	}
	name := r.PathValue("name")
	if err := h.users.SetPassword(r.Context(), name, r.PostForm.Get("password")); err != nil {
		h.userProblem(w, r, fmt.Errorf("set the password of %q: %w", name, err), usersPage{AddRole: auth.RoleAssistant})
		return
	}
	h.seeOther(w, r, "/users", fmt.Sprintf("Password of %s changed", name))
}

// userProblem shows the users page again with why a form was refused and
// the status that calls for; a failure that is not the form's gets the
// error page.
func (h *Handlers) userProblem(w http.ResponseWriter, r *http.Request, err error, page usersPage) {
	if status, ok := h.formStatus(w, r, err); ok {
		h.showUsers(w, r, status, page, "Nothing was saved: "+err.Error())
	}
}
