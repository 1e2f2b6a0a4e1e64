package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"frontdesk/config"
)

// setup is one frontdesk instance's configuration: a YAML file in a
// temporary directory, and the log file its processes append to.
type setup struct {
	config string
	log    string
	url    string // http://127.0.0.1:PORT
	// instance, when set, is FRONTDESK_INSTANCE: the stable name of a
	// replica, with which a restarted process takes its leases back at once.
	instance string
	env      []string // more environment of its processes
}

// configOpts are the parts of the configuration tests vary.
type configOpts struct {
	attachmentMaxSize string // tickets.attachment_max_size; "" for the default
	maxMessageSize    string // each mailbox's max_message_size; "" for the default
	smtpPort          int    // when set, smtp on 127.0.0.1 at this port, and acknowledgements on
}

// writeConfig writes a configuration for d with the mailboxes mbs, all into
// queue support, HTTP on a free loopback port and JSON logs at info.
func writeConfig(t *testing.T, d *desk, mbs []config.Mailbox, o configOpts) *setup {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	var b strings.Builder
	fmt.Fprintf(&b, "redis:\n  url: %q\n  prefix: %q\n", d.url, d.prefix)
	fmt.Fprintf(&b, "http:\n  listen: %q\n", addr)
	b.WriteString("log:\n  level: info\n  format: json\n")
	if o.attachmentMaxSize != "" {
		fmt.Fprintf(&b, "tickets:\n  attachment_max_size: %s\n", o.attachmentMaxSize)
	}
	b.WriteString("mailboxes:\n")
	for _, m := range mbs {
		fmt.Fprintf(&b, "  - name: %q\n    host: %q\n    port: %d\n    security: %s\n", m.Name, m.Host, m.Port, m.Security)
		fmt.Fprintf(&b, "    username: %q\n    password: %q\n    folder: %q\n", m.Username, m.Password, m.Folder)
		b.WriteString("    after_import: seen\n    idle: true\n    poll_interval: 1s\n    queue: support\n")
		if o.maxMessageSize != "" {
			fmt.Fprintf(&b, "    max_message_size: %s\n", o.maxMessageSize)
		}
	}
	if o.smtpPort != 0 {
		fmt.Fprintf(&b, "smtp:\n  host: 127.0.0.1\n  port: %d\n  security: none\n", o.smtpPort)
		b.WriteString("queues:\n  - name: support\n    address: \"Support <support@example.com>\"\n    auto_ack: true\n")
	} else {
		b.WriteString("queues:\n  - name: support\n")
	}
	s := &setup{
		config: filepath.Join(dir, "frontdesk.yaml"),
		log:    filepath.Join(dir, "frontdesk.log"),
		url:    "http://" + addr,
	}
	if err := os.WriteFile(s.config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is one running `frontdesk serve`.
type process struct {
	s      *setup
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// start runs `frontdesk serve -config` of s, its output appended to s.log.
// The process is killed when the test ends, if still running.
func start(t *testing.T, s *setup) *process {
	t.Helper()
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "-config", s.config)
	cmd.Stdout, cmd.Stderr = logf, logf
	if s.instance != "" || len(s.env) > 0 {
		cmd.Env = append(os.Environ(), s.env...)
		if s.instance != "" {
			cmd.Env = append(cmd.Env, "FRONTDESK_INSTANCE="+s.instance)
		}
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		t.Fatalf("start frontdesk serve: %v", err)
	}
	p := &process{s: s, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = logf.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// waitReady waits for /readyz to answer 200.
func (p *process) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(p.s.url + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if !p.running() {
			t.Fatalf("frontdesk serve exited before it was ready: %v\n%s", p.err, tail(p.s.log, 30))
		}
		if time.Now().After(deadline) {
			t.Fatalf("frontdesk serve not ready within 15s (last: %v)\n%s", err, tail(p.s.log, 30))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL and waits for it.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("kill frontdesk: %v", err)
	}
	<-p.exited
}

// stop ends the process with SIGTERM and fails the test unless it exits 0
// within 15s.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM frontdesk: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("frontdesk serve did not stop within 15s of SIGTERM\n%s", tail(p.s.log, 30))
	}
	if p.err != nil {
		t.Errorf("frontdesk serve after SIGTERM: %v, want exit 0\n%s", p.err, tail(p.s.log, 30))
	}
}

// metric returns the value of the sample named series (name with labels,
// as /metrics prints it), and whether it was there.
func (p *process) metric(t *testing.T, series string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(p.s.url + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), series+" ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil {
			t.Fatalf("metric %s: %v", series, err)
		}
		return v, true
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	return 0, false
}

// vmHWM is the process's peak resident set size (peakRSS).
func (p *process) vmHWM(t *testing.T) int64 {
	t.Helper()
	hwm, err := peakRSS(p.pid())
	if err != nil {
		t.Fatal(err)
	}
	return hwm
}

// tail returns the last n lines of a file, for failure messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "log " + path + ":\n" + strings.Join(lines, "\n")
}
