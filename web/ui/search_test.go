package ui

import (
	"net/http"
	"strings"
	"testing"
)

// A query the desk refuses (not text) is the user's to mend, not a
// search that is down: the page says what to type instead.
func TestUISearchRefusedQuery(t *testing.T) {
	e := newUIEnv(t)
	ann := e.login(t, "ann")
	res, body := ann.get(t, "/search/results?q=%ff%fe")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("search results: %d", res.StatusCode)
	}
	if strings.Contains(body, "not available") || !strings.Contains(body, "cannot be searched for") {
		t.Fatalf("a query that is not text: %s", body)
	}
}
