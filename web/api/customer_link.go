package api

import (
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"frontdesk/fault"
	"frontdesk/web/httperr"
)

type linkRequest struct {
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// handleCustomerLink adds an email address or a phone number to a customer
// (an assistant who knows that the caller is the writer): their tickets and
// future mail and calls from it meet in one customer. 409 when another
// customer has it, or this one has a different one already.
func (h *Handlers) handleCustomerLink(w http.ResponseWriter, r *http.Request) {
	var in linkRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	value, err := in.value()
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	c, err := h.Tickets.LinkCustomer(r.Context(), r.PathValue("id"), value)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	c.Tags = nonNil(c.Tags)
	writeJSON(w, http.StatusOK, c)
}

// value checks that exactly one of email and phone is given and returns it
// normalised: a bare lower-case address, or a number in E.164 form.
func (in linkRequest) value() (string, error) {
	email, phone := strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone)
	switch {
	case email != "" && phone != "", email == "" && phone == "":
		return "", fmt.Errorf("%w: give either email or phone", fault.ErrInvalid)
	case email != "":
		a, err := mail.ParseAddress(email)
		if err != nil || a.Name != "" || a.Address != email {
			return "", fmt.Errorf("%w: email %q: must be a bare address like ann@example.org", fault.ErrInvalid, in.Email)
		}
		return strings.ToLower(a.Address), nil
	default:
		n, ok := e164(phone)
		if !ok {
			return "", fmt.Errorf("%w: phone %q: must be a number in international form like +15555550100", fault.ErrInvalid, in.Phone)
		}
		return n, nil
	}
}

// e164 returns a phone number in E.164 form (+ and 8 to 15 digits), dropping
// the spaces, dashes, dots and parentheses people write in numbers.
func e164(s string) (string, bool) {
	digits, ok := strings.CutPrefix(s, "+")
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range digits {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune(" -.()", r):
		default:
			return "", false
		}
	}
	n := b.Len() - 1
	return b.String(), n >= 8 && n <= 15 && b.String()[1] != '0'
}
