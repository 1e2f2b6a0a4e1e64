package mailparse

import (
	"bytes"
	"encoding/json"
	"time"
)

// inspectOutput is the "Inspect output" of frontdesk's interface.
type inspectOutput struct {
	MessageID   string       `json:"message_id"`
	InReplyTo   string       `json:"in_reply_to"`
	References  []string     `json:"references"`
	Subject     string       `json:"subject"`
	Date        string       `json:"date"`
	From        Address      `json:"from"`
	To          []Address    `json:"to"`
	Cc          []Address    `json:"cc"`
	Text        string       `json:"text"`
	HTML        string       `json:"html"`
	Attachments []Attachment `json:"attachments"`
	Kind        string       `json:"kind"`
	List        bool         `json:"list"`
	Fax         bool         `json:"fax"`
	Warnings    []string     `json:"warnings"`
}

// InspectJSON renders m as `frontdesk inspect` prints it: the "Inspect
// output" object of the interface, indented by two spaces, empty lists as
// [], the date in RFC 3339 ("" when there is none), without HTML escaping
// of <, > and &.
func (m *Mail) InspectJSON() ([]byte, error) {
	out := inspectOutput{
		MessageID:   m.MessageID,
		InReplyTo:   m.InReplyTo,
		References:  orEmpty(m.References),
		Subject:     m.Subject,
		From:        m.From,
		To:          orEmpty(m.To),
		Cc:          orEmpty(m.Cc),
		Text:        m.Text,
		HTML:        m.HTML,
		Attachments: orEmpty(m.Attachments),
		Kind:        m.Kind,
		List:        m.List,
		Fax:         m.Fax,
		Warnings:    orEmpty(m.Warnings),
	}
	if out.Kind == "" {
		out.Kind = KindNormal
	}
	if !m.Date.IsZero() {
		out.Date = m.Date.Format(time.RFC3339)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
