package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// restorePort is the drill's redis-server's port (this branch's own range).
const restorePort = 6461

// TestRestoreDrill is the backup and restore of docs/operations.md, on a
// redis-server with AOF and the real binary: tickets are made, a backup
// taken (BGREWRITEAOF, then a copy of the appendonly directory while
// frontdesk keeps running), more tickets made, Redis lost (killed, its
// directory wiped), the backup restored. Everything in the backup is there,
// served by frontdesk (tickets, attachments, the user and their token), and
// the numbers handed out after the backup are never handed out again:
// start-up raised the counter above what this instance had noted.
func TestRestoreDrill(t *testing.T) {
	bin, _ := redisTools(t)
	dataDir, backupDir, stateDir := t.TempDir(), t.TempDir(), t.TempDir()
	node := &redisNode{bin: bin, dir: dataDir, port: restorePort, fsync: "always"}
	node.start(t)
	rdb := redis.NewClient(&redis.Options{Addr: node.addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const prefix = "drill"
	store := redisstore.New(rdb, &redisstore.Options{Prefix: prefix})

	s := &setup{
		config: filepath.Join(t.TempDir(), "frontdesk.yaml"),
		log:    filepath.Join(t.TempDir(), "frontdesk.log"),
	}
	addr := freeAddr(t)
	s.url = "http://" + addr
	yaml := fmt.Sprintf("redis: {url: %q, prefix: %s}\nhttp: {listen: %q}\nlog: {level: info, format: json}\n"+
		"tickets: {number_mark_dir: %q}\nqueues: [{name: support}]\n", "redis://"+node.addr()+"/0", prefix, addr, stateDir)
	if err := os.WriteFile(s.config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binary, "users", "add", "-config", s.config, "-role", "manager", "dana").Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("users add: %v\n%s", err, exit.Stderr)
		}
		t.Fatal(err)
	}
	token := lastLineOf(string(out))
	p := start(t, s)
	p.waitReady(t)

	mk := func(i int) string {
		t.Helper()
		r, err := store.Create(ctx, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: fmt.Sprintf("Drill %d", i),
			Customer: ticket.Customer{Email: fmt.Sprintf("c%d@example.org", i)},
			Message: ticket.NewMessage{SourceKey: fmt.Sprintf("drill:%d", i), From: fmt.Sprintf("c%d@example.org", i), Text: "hello",
				Attachments: []ticket.NewAttachment{{Filename: "a.txt", ContentType: "text/plain", Data: []byte(fmt.Sprintf("file %d", i))}}}})
		if err != nil {
			t.Fatal(err)
		}
		return r.TicketID
	}
	var kept []string
	for i := range 5 {
		kept = append(kept, mk(i))
	}

	// The backup: a fresh AOF, then its directory copied as it is.
	if err := rdb.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the AOF rewrite", func() bool {
		info, _ := rdb.Info(ctx, "persistence").Result()
		return strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0")
	})
	if out, err := exec.Command("cp", "-a", filepath.Join(dataDir, "appendonlydir"), backupDir).CombinedOutput(); err != nil {
		t.Fatalf("copy the AOF: %v %s", err, out)
	}

	// After the backup: tickets whose numbers customers have, then the loss.
	var lost []string
	for i := 5; i < 8; i++ {
		lost = append(lost, mk(i))
	}
	highest, _ := strconv.Atoi(lost[len(lost)-1])
	waitUntil(t, "the ticket counter noted", func() bool {
		b, _ := os.ReadFile(filepath.Join(stateDir, "ticket-number"))
		_, num, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
		n, _ := strconv.Atoi(num)
		return n >= highest
	})
	p.stop(t)
	node.kill(t)
	if err := os.RemoveAll(dataDir); err != nil {
		t.Fatal(err)
	}

	// The restore: the copy back in place, Redis started on it.
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", filepath.Join(backupDir, "appendonlydir"), dataDir).CombinedOutput(); err != nil {
		t.Fatalf("restore the AOF: %v %s", err, out)
	}
	node.start(t)
	if n, _ := store.TicketNumber(ctx); n != int64(highest-len(lost)) {
		t.Fatalf("the restored counter is %d, want %d", n, highest-len(lost))
	}
	p = start(t, s)
	p.waitReady(t)

	// Everything of the backup is there, through frontdesk's API.
	var list struct {
		Tickets []ticket.Ticket `json:"tickets"`
	}
	apiJSON(t, s.url+"/api/v1/tickets?limit=50", token, &list)
	var got []string
	for _, tk := range list.Tickets {
		got = append(got, tk.ID)
	}
	if want := []string{kept[4], kept[3], kept[2], kept[1], kept[0]}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("tickets after the restore: %v, want %v", got, want)
	}
	var tk ticket.Ticket
	apiJSON(t, s.url+"/api/v1/tickets/"+kept[2], token, &tk)
	if tk.Subject != "Drill 2" || len(tk.Messages) != 1 || len(tk.Messages[0].Attachments) != 1 {
		t.Fatalf("ticket %s after the restore: %+v", kept[2], tk)
	}
	_, data, err := store.Attachment(ctx, kept[2], tk.Messages[0].Attachments[0].ID)
	if err != nil || string(data) != "file 2" {
		t.Fatalf("attachment after the restore: %q %v", data, err)
	}
	if v, _ := rdb.Get(ctx, prefix+":{desk}:schema").Result(); v != strconv.Itoa(redisstore.SchemaVersion) {
		t.Errorf("schema version after the restore: %q", v)
	}

	// No number handed out before the loss is handed out again.
	next := mk(9)
	if n, _ := strconv.Atoi(next); n <= highest {
		t.Fatalf("after the restore the next ticket is %s, a number handed out before (up to %d)", next, highest)
	}
	if !strings.Contains(tail(s.log, 200), "the ticket counter in Redis was behind numbers already handed out") {
		t.Errorf("no warning of the raised counter in the log:\n%s", tail(s.log, 30))
	}
	p.stop(t)

	// A Redis of a newer frontdesk: start-up stops, naming the key.
	rdb.Set(ctx, prefix+":{desk}:schema", "99", 0)
	p = start(t, s)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		t.Fatal("frontdesk serve runs on a Redis with a newer key schema")
	}
	if p.err == nil || !strings.Contains(tail(s.log, 5), "drill:{desk}:schema is 99, newer than this frontdesk's") {
		t.Fatalf("start on a newer schema: %v\n%s", p.err, tail(s.log, 5))
	}
}

func lastLineOf(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// apiJSON GETs url with the API token and decodes the JSON answer into v.
func apiJSON(t *testing.T, url, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
