package ui

import (
	"fmt"
	"net/http"
	"net/url"

	"frontdesk/web/auth"
)

// usersPage is the users page's data.
type usersPage struct {
	Users []userRow
	// CanEdit is whether the server lets managers add users, set
	// passwords, change roles and disable users (Options.Users).
	CanEdit bool
	Roles   []string
	// AddName and AddRole are the add form's values, kept when it is
	// refused.
	AddName, AddRole string
}

// userRow is one user on the users page.
type userRow struct {
	auth.Principal
	// Self is whether this is the signed-in manager, who may not change
	// their own role or disable themselves.
	Self bool
}

// PasswordAction is where the user's password form posts.
func (u userRow) PasswordAction() string { return "/users/" + url.PathEscape(u.Name) + "/password" }

// RoleAction is where the user's role form posts.
func (u userRow) RoleAction() string { return "/users/" + url.PathEscape(u.Name) + "/role" }

// DisabledAction is where the user's disable or enable form posts.
func (u userRow) DisabledAction() string { return "/users/" + url.PathEscape(u.Name) + "/disabled" }

// showUsers renders the users page.
func (h *Handlers) showUsers(w http.ResponseWriter, r *http.Request, status int, page usersPage, problem string) {
	users, err := h.Accounts.List(r.Context())
	if err != nil {
		h.uiError(w, r, fmt.Errorf("list the users: %w", err))
		return
	}
	me := auth.Caller(r).Name
	for _, u := range users {
		page.Users = append(page.Users, userRow{Principal: u, Self: u.Name == me})
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

// userProblem shows the users page again with why a form was refused and
// the status that calls for; a failure that is not the form's gets the
// error page.
func (h *Handlers) userProblem(w http.ResponseWriter, r *http.Request, err error, page usersPage) {
	if status, ok := h.formStatus(w, r, err); ok {
		h.showUsers(w, r, status, page, "Nothing was saved: "+reason(err))
	}
}
