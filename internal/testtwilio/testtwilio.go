// Package testtwilio is Twilio's REST API for tests, as far as frontdesk's
// reconciliation reads it: the account's messages, calls and recordings,
// listed newest first, two to a page (so that every list is paged), filtered
// by number and by date as the API does; a call, a message's media and a
// recording's transcriptions; and the media's and recordings' bytes.
package testtwilio

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is the fake API; its URL is twilio.api_url.
type Server struct {
	*httptest.Server
	account, token string

	mu         sync.Mutex
	messages   []record
	calls      []record
	recordings []record
	media      map[string][]map[string]any // message SID → its media
	trans      map[string][]map[string]any // recording SID → its transcriptions
	lists      []url.Values                // every list request's query, first pages only
	requests   int
}

// record is one listed resource: its JSON, the number it was to, and its
// date for the filters.
type record struct {
	to   string
	at   time.Time
	json map[string]any
}

// pageSize is the fake's largest page.
const pageSize = 2

// New runs a Server for account and token until the test ends.
func New(t testing.TB, account, token string) *Server {
	f := &Server{account: account, token: token, media: map[string][]map[string]any{}, trans: map[string][]map[string]any{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func twilioDate(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// AddMessage lists a message, with numMedia pictures.
func (f *Server) AddMessage(sid, from, to, direction, body string, numMedia int, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages = append(f.messages, record{to: to, at: at, json: map[string]any{
		"sid": sid, "account_sid": f.account, "from": from, "to": to, "direction": direction, "body": body,
		"status": "received", "num_media": strconv.Itoa(numMedia), "date_sent": twilioDate(at), "date_created": twilioDate(at),
		"uri": "/2010-04-01/Accounts/" + f.account + "/Messages/" + sid + ".json",
	}})
	for i := range numMedia {
		me := fmt.Sprintf("ME%032x", len(f.media)*10+i+1)
		f.media[sid] = append(f.media[sid], map[string]any{"sid": me, "parent_sid": sid, "content_type": "image/jpeg",
			"uri": "/2010-04-01/Accounts/" + f.account + "/Messages/" + sid + "/Media/" + me + ".json"})
	}
}

// AddCall lists a call.
func (f *Server) AddCall(sid, from, to, direction, status string, start time.Time, duration time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	call := map[string]any{
		"sid": sid, "account_sid": f.account, "from": from, "to": to, "direction": direction, "status": status,
		"start_time": twilioDate(start), "date_created": twilioDate(start), "duration": strconv.Itoa(int(duration.Seconds())),
		"uri": "/2010-04-01/Accounts/" + f.account + "/Calls/" + sid + ".json",
	}
	if status != "in-progress" && status != "ringing" && status != "queued" {
		call["end_time"] = twilioDate(start.Add(duration))
	}
	f.calls = append(f.calls, record{to: to, at: start, json: call})
}

// AddRecording lists a recording of a call, with its transcript if any.
func (f *Server) AddRecording(sid, callSID string, at time.Time, transcript string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recordings = append(f.recordings, record{at: at, json: map[string]any{
		"sid": sid, "account_sid": f.account, "call_sid": callSID, "status": "completed", "duration": "14",
		"date_created": twilioDate(at), "source": "RecordVerb",
		"uri": "/2010-04-01/Accounts/" + f.account + "/Recordings/" + sid + ".json",
	}})
	if transcript != "" {
		f.trans[sid] = append(f.trans[sid], map[string]any{"sid": "TR" + sid[2:], "recording_sid": sid,
			"status": "completed", "transcription_text": transcript})
	}
}

// Listed returns the first-page queries of the lists requested from path
// (Messages.json, Calls.json, Recordings.json).
func (f *Server) Listed(path string) []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []url.Values
	for _, q := range f.lists {
		if q.Get("_path") == path {
			out = append(out, q)
		}
	}
	return out
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != f.account || p != f.token {
		http.Error(w, `{"status": 401, "code": 20003, "message": "Authenticate"}`, http.StatusUnauthorized)
		return
	}
	prefix := "/2010-04-01/Accounts/" + f.account + "/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	parts := strings.Split(rest, "/")
	switch {
	case rest == "Messages.json":
		f.list(w, r, "messages", f.messages, "DateSent")
	case rest == "Calls.json":
		f.list(w, r, "calls", f.calls, "StartTime")
	case rest == "Recordings.json":
		f.list(w, r, "recordings", f.recordings, "DateCreated")
	case len(parts) == 2 && parts[0] == "Calls":
		sid := strings.TrimSuffix(parts[1], ".json")
		for _, c := range f.calls {
			if c.json["sid"] == sid {
				writeJSON(w, c.json)
				return
			}
		}
		http.Error(w, `{"status": 404, "code": 20404, "message": "not found"}`, http.StatusNotFound)
	case len(parts) == 3 && parts[0] == "Messages" && parts[2] == "Media.json":
		writeJSON(w, map[string]any{"media_list": f.media[parts[1]], "page": 0, "page_size": 50})
	case len(parts) == 4 && parts[0] == "Messages" && parts[2] == "Media":
		w.Header().Set("Content-Type", "image/jpeg")
		io.WriteString(w, "JPEG "+parts[3])
	case len(parts) == 3 && parts[0] == "Recordings" && parts[2] == "Transcriptions.json":
		writeJSON(w, map[string]any{"transcriptions": f.trans[parts[1]], "page": 0, "page_size": 50})
	case len(parts) == 2 && parts[0] == "Recordings" && strings.HasSuffix(parts[1], ".mp3"):
		w.Header().Set("Content-Type", "audio/mpeg")
		io.WriteString(w, "ID3 audio of "+parts[1])
	default:
		http.NotFound(w, r)
	}
}

// list answers one page of recs, filtered by To and by the date parameters
// named dateParam> and dateParam<, newest first.
func (f *Server) list(w http.ResponseWriter, r *http.Request, key string, recs []record, dateParam string) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("Page"))
	if page == 0 {
		c := url.Values{"_path": {r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]}}
		for k, v := range q {
			c[k] = v
		}
		f.lists = append(f.lists, c)
	}
	after, _ := time.Parse(time.RFC3339, q.Get(dateParam+">"))
	before, _ := time.Parse(time.RFC3339, q.Get(dateParam+"<"))
	var out []record
	for _, rec := range recs {
		if to := q.Get("To"); to != "" && rec.to != to {
			continue
		}
		if call := q.Get("CallSid"); call != "" && rec.json["call_sid"] != call {
			continue
		}
		// Twilio compares to the second; so does the fake.
		at := rec.at.Truncate(time.Second)
		if !after.IsZero() && at.Before(after) || !before.IsZero() && at.After(before) {
			continue
		}
		out = append(out, rec)
	}
	slices.SortStableFunc(out, func(a, b record) int { return b.at.Compare(a.at) })
	size, _ := strconv.Atoi(q.Get("PageSize"))
	if size <= 0 || size > pageSize {
		size = pageSize
	}
	start := min(page*size, len(out))
	end := min(start+size, len(out))
	items := make([]map[string]any, 0, end-start)
	for _, rec := range out[start:end] {
		items = append(items, rec.json)
	}
	resp := map[string]any{key: items, "page": page, "page_size": size}
	if end < len(out) {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("Page", strconv.Itoa(page+1))
		next.Set("PageToken", fmt.Sprintf("PT%d", end))
		resp["next_page_uri"] = r.URL.Path + "?" + next.Encode()
	}
	writeJSON(w, resp)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
