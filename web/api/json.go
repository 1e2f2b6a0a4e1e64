package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/httperr"
)

// MaxBodySize is the largest JSON request body the API reads.
const MaxBodySize = 1 << 20

// decodeJSON reads r's body, which must be one JSON object of at most
// MaxBodySize bytes with Content-Type application/json, into v. Unknown fields
// are an error, so that a misspelt field is not silently ignored. Errors wrap
// httperr.ErrUnsupportedMediaType (415), *http.MaxBytesError (413) or
// fault.ErrInvalid (400).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeJSONUpTo(w, r, v, MaxBodySize)
}

// decodeJSONUpTo is decodeJSON for a body of at most limit bytes: a reply
// with files (front.UploadLimit).
func decodeJSONUpTo(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return fmt.Errorf("%w: the request body must be application/json", httperr.ErrUnsupportedMediaType)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return err
		case errors.Is(err, io.EOF):
			return fmt.Errorf("%w: the request body is empty", fault.ErrInvalid)
		default:
			return fmt.Errorf("%w: request body: %v", fault.ErrInvalid, err)
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return fmt.Errorf("%w: request body: more than one JSON value", fault.ErrInvalid)
	}
	return nil
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // only for values JSON cannot express: a bug
		panic(fmt.Sprintf("web: encode %T: %v", v, err))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) // the client may have gone; nothing to do about it
}

// apiTicket returns t as the API shows it: lists empty, never null.
func apiTicket(t ticket.Ticket) ticket.Ticket {
	t.Tags = nonNil(t.Tags)
	t.Customer.Emails, t.Customer.Phones = nonNil(t.Customer.Emails), nonNil(t.Customer.Phones)
	if t.Messages == nil {
		t.Messages = []ticket.Message{}
	}
	if t.Events == nil {
		t.Events = []ticket.Event{}
	}
	msgs := make([]ticket.Message, len(t.Messages))
	for i, m := range t.Messages {
		msgs[i] = apiMessage(m)
	}
	t.Messages = msgs
	return t
}

// apiMessage returns m as the API shows it: lists empty, never null.
func apiMessage(m ticket.Message) ticket.Message {
	m.To, m.Cc = nonNil(m.To), nonNil(m.Cc)
	if m.Attachments == nil {
		m.Attachments = []ticket.Attachment{}
	}
	return m
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
