package api

import (
	"encoding/json"
	"net/http"

	"frontdesk/web/httperr"
)

// rawBody reads a JSON request body whole, for the rule handlers whose
// parsing and validation belong to the routing package.
func rawBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var raw json.RawMessage
	if err := decodeJSON(w, r, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

func (h *Handlers) rulesOrUnavailable(w http.ResponseWriter, r *http.Request) bool {
	if h.Rules == nil {
		httperr.WriteJSON(w, http.StatusNotFound, "routing rules are not configured on this server")
		return false
	}
	return true
}
