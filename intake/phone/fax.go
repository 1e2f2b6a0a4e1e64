package phone

import (
	"context"
	"fmt"
	"net/url"
)

// fax receives a fax callback: Twilio's legacy Programmable Fax, or
// SignalWire's compatible one.
func (w *Webhooks) fax(ctx context.Context, form url.Values, c Common) (answer, error) {
	if err := w.checkFaxSIDs(form); err != nil {
		return answer{}, err
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
	if err := w.sink.Fax(ctx, f); err != nil {
		return answer{}, fmt.Errorf("fax %s: %w", f.FaxSID, err)
	}
	return noContent, nil
}
