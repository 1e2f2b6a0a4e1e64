package phone

import (
	"context"
	"fmt"
	"net/url"
)

// fax receives a fax callback: Twilio's legacy Programmable Fax, or
// SignalWire's compatible one.
func (w *Webhooks) fax(form url.Values, c Common) (event, error) {
	if err := w.checkFaxSIDs(form); err != nil {
		return event{}, err
	}
	f := Fax{
		Common:       c,
		FaxSID:       form.Get("FaxSid"),
		FaxStatus:    form.Get("FaxStatus"),
		NumPages:     atoi(form.Get("NumPages")),
		MediaURL:     form.Get("MediaUrl"),
		ErrorCode:    form.Get("ErrorCode"),
		ErrorMessage: form.Get("ErrorMessage"),
	}
	return callback(func(ctx context.Context, s Sink) error {
		if err := s.Fax(ctx, f); err != nil {
			return fmt.Errorf("fax %s: %w", f.FaxSID, err)
		}
		return nil
	}), nil
}
