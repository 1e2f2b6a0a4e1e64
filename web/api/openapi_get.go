package api

import (
	_ "embed"
	"net/http"
)

// openAPI describes the JSON API (OpenAPI 3.0). TestOpenAPIInSync keeps its
// paths and Routes the same.
//
//go:embed openapi.json
var openAPI []byte

// handleOpenAPI answers the API's OpenAPI document; it needs no token.
func (h *Handlers) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPI) // the client may have gone; nothing to do about it
}
