package spool

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/fault"
)

func open(t *testing.T, path string, opts *Options) *Spool {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func datas(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, string(e.Data))
	}
	return out
}

func TestEntriesComeBackInOrderUntilRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "spool.db")
	s := open(t, path, nil)
	for i := range 5 {
		if err := s.Append([]byte(fmt.Sprint("entry ", i))); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.Oldest(3)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(datas(es), ","); got != "entry 0,entry 1,entry 2" {
		t.Fatalf("oldest 3 = %s", got)
	}
	if err := s.Remove(es[0].ID, es[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(es[0].ID); err != nil { // again: passed over
		t.Fatal(err)
	}
	es, _ = s.Oldest(10)
	if got := strings.Join(datas(es), ","); got != "entry 2,entry 3,entry 4" {
		t.Fatalf("after removing two = %s", got)
	}
	if st := s.Stats(); st.Pending != 3 || st.Size != int64(3*len("entry 0")) {
		t.Fatalf("stats = %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened, it holds the same, and new entries come after them.
	s = open(t, path, nil)
	if st := s.Stats(); st.Pending != 3 || st.Size != int64(3*len("entry 0")) {
		t.Fatalf("stats after reopening = %+v", st)
	}
	if err := s.Append([]byte("entry 5")); err != nil {
		t.Fatal(err)
	}
	es, _ = s.Oldest(10)
	if got := strings.Join(datas(es), ","); got != "entry 2,entry 3,entry 4,entry 5" {
		t.Fatalf("after reopening = %s", got)
	}
	for i := 1; i < len(es); i++ {
		if es[i].ID <= es[i-1].ID {
			t.Fatalf("ids not growing: %d then %d", es[i-1].ID, es[i].ID)
		}
	}
}

func TestConcurrentAppendsAllKept(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool.db"), nil)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := s.Append([]byte(strconv.Itoa(i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	es, _ := s.Oldest(100)
	seen := map[string]bool{}
	for _, e := range es {
		seen[string(e.Data)] = true
	}
	if len(es) != 50 || len(seen) != 50 || s.Stats().Pending != 50 {
		t.Fatalf("%d entries, %d distinct, stats %+v", len(es), len(seen), s.Stats())
	}
}

func TestFullSpoolRefuses(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "spool.db"), &Options{MaxSize: 25})
	for range 2 {
		if err := s.Append([]byte("0123456789")); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Append([]byte("0123456789"))
	if !errors.Is(err, ErrFull) || !errors.Is(err, fault.ErrTooLarge) {
		t.Fatalf("third append = %v, want ErrFull", err)
	}
	if st := s.Stats(); st.Pending != 2 || st.Size != 20 {
		t.Fatalf("stats = %+v", st)
	}
	es, _ := s.Oldest(1)
	if err := s.Remove(es[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Append([]byte("0123456789")); err != nil {
		t.Fatalf("append after a removal = %v", err)
	}
}

func TestSetAsideLeavesTheQueueButCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	s := open(t, path, &Options{MaxSize: 30})
	for _, d := range []string{"bad entry!", "good entry"} {
		if err := s.Append([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	es, _ := s.Oldest(1)
	if err := s.SetAside(es[0].ID); err != nil {
		t.Fatal(err)
	}
	es, _ = s.Oldest(10)
	if got := strings.Join(datas(es), ","); got != "good entry" {
		t.Fatalf("queue after setting aside = %s", got)
	}
	if st := s.Stats(); st.Pending != 1 || st.Aside != 1 || st.Size != 20 {
		t.Fatalf("stats = %+v", st)
	}
	_ = s.Close()
	s = open(t, path, &Options{MaxSize: 30})
	if st := s.Stats(); st.Pending != 1 || st.Aside != 1 || st.Size != 20 {
		t.Fatalf("stats after reopening = %+v", st)
	}
}

func TestOneProcessAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	open(t, path, nil)
	_, err := Open(path, &Options{LockTimeout: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "another process") {
		t.Fatalf("second open = %v, want refused", err)
	}
}

// TestAppendedSurvivesKill appends in a child process, which the test kills
// with SIGKILL in the middle: every append the child saw return is in the
// spool, in order.
func TestAppendedSurvivesKill(t *testing.T) {
	if path := os.Getenv("FRONTDESK_SPOOL_CHILD"); path != "" {
		s, err := Open(path, nil)
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(1)
		}
		for i := 0; ; i++ {
			if err := s.Append([]byte(strconv.Itoa(i))); err != nil {
				fmt.Println("append:", err)
				os.Exit(1)
			}
			fmt.Println("appended", i)
		}
	}
	path := filepath.Join(t.TempDir(), "spool.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestAppendedSurvivesKill$")
	cmd.Env = append(os.Environ(), "FRONTDESK_SPOOL_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, ok := strings.CutPrefix(sc.Text(), "appended ")
		if !ok {
			t.Fatalf("child: %s", sc.Text())
		}
		last, _ = strconv.Atoi(n)
		if last == 200 {
			break
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if last < 200 {
		t.Fatalf("child stopped after %d appends", last+1)
	}
	s := open(t, path, nil)
	es, err := s.Oldest(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) < last+1 {
		t.Fatalf("%d entries after the kill, the child had appended %d", len(es), last+1)
	}
	for i, e := range es {
		if string(e.Data) != strconv.Itoa(i) {
			t.Fatalf("entry %d is %q", i, e.Data)
		}
	}
}
