package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"frontdesk/internal/testlog"
)

// A demo listening beyond loopback gets a random password, printed, and the
// README's fixed one does not sign anyone in.
func TestDemoBeyondLoopbackHasRandomPassword(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	out := &testlog.Buffer{}
	go func() {
		var errOut bytes.Buffer
		done <- run(ctx, []string{"demo", "-listen", "0.0.0.0:0"}, strings.NewReader(""), out, &errOut)
	}()
	defer func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("demo exited %d", code)
		}
	}()
	var base string
	waitFor(t, func() bool {
		_, rest, ok := strings.Cut(out.String(), "running at ")
		base, _, _ = strings.Cut(rest, "\n")
		return ok && base != ""
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("demo URL %q: %v", base, err)
	}
	host, port, _ := net.SplitHostPort(u.Host)
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		t.Fatalf("demo listens on %s, want all interfaces", u.Host)
	}
	base = "http://127.0.0.1:" + port

	m := regexp.MustCompile(`assistant ann / (\S+) `).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no password printed for ann:\n%s", out.String())
	}
	password := m[1]
	if password == fixedDemoPassword || len(password) < 16 {
		t.Fatalf("demo on 0.0.0.0 prints password %q, want a random one", password)
	}
	if !strings.Contains(out.String(), "listens beyond loopback") {
		t.Errorf("the demo does not say why its password is random:\n%s", out.String())
	}
	waitFor(t, func() bool { return status(base+"/readyz") == 200 })
	if got := demoLogin(t, base, "ann", fixedDemoPassword); got != http.StatusUnauthorized {
		t.Errorf("login with %q on a demo beyond loopback: %d, want 401", fixedDemoPassword, got)
	}
	if got := demoLogin(t, base, "max", password); got != http.StatusSeeOther {
		t.Errorf("login with the printed password: %d, want 303", got)
	}
}

// demoLogin signs name in through the web UI's login form and returns the
// status of the form's answer.
func demoLogin(t *testing.T, base, name, password string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no form token on the login page:\n%s", page)
	}
	res, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "name": {name}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

func TestDemoPassword(t *testing.T) {
	for _, tt := range []struct {
		ip    string
		fixed bool
	}{
		{"127.0.0.1", true}, {"127.0.0.2", true}, {"::1", true},
		{"0.0.0.0", false}, {"::", false}, {"192.168.1.10", false},
	} {
		got := demoPassword(&net.TCPAddr{IP: net.ParseIP(tt.ip), Port: 8025})
		if (got == fixedDemoPassword) != tt.fixed {
			t.Errorf("demo on %s: password %q, want fixed %v", tt.ip, got, tt.fixed)
		}
	}
	if a, b := demoPassword(&net.TCPAddr{IP: net.IPv4zero}), demoPassword(&net.TCPAddr{IP: net.IPv4zero}); a == b {
		t.Errorf("two demos beyond loopback share password %q", a)
	}
}
