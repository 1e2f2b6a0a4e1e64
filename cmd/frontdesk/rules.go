package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/routing"
	"frontdesk/routing/rulestore"
	"frontdesk/ticket"
)

const rulesUsage = `usage: frontdesk rules test [-config PATH] [-mailbox NAME] FILE

Shows which routing rule matches FILE — an .eml (or - for stdin), or a ticket
as JSON — the decision it yields, and every condition tried. The rules are the
version in Redis, or rules_file when Redis holds none or cannot be reached.
`

// runRules is `frontdesk rules test`.
func runRules(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprint(stderr, rulesUsage)
		return exitUsage
	}
	fs := flag.NewFlagSet("rules test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default $FRONTDESK_CONFIG or ./frontdesk.yaml)")
	mailbox := fs.String("mailbox", "", "the mailbox the mail came in through (default: the first)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
		fmt.Fprint(stderr, rulesUsage)
		return exitUsage
	}
	path := config.Resolve(*configPath)
	cfg, err := config.Load(path)
	if err != nil {
		printConfigError(stderr, path, err)
		return exitFailure
	}
	input, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	c, source, err := currentRules(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stderr, "rules: %s\n", source)
	mb := *mailbox
	if mb == "" && len(cfg.Mailboxes) > 0 {
		mb = cfg.Mailboxes[0].Name
	}
	var t *ticket.Ticket
	eml := ""
	if trimmed := bytes.TrimSpace(input); len(trimmed) > 0 && trimmed[0] == '{' {
		t = &ticket.Ticket{}
		if err := json.Unmarshal(trimmed, t); err != nil {
			fmt.Fprintf(stderr, "frontdesk: %s: not a ticket JSON: %v\n", fs.Arg(0), err)
			return exitFailure
		}
	} else {
		eml = string(input)
	}
	res, err := desk.TestInput(c, cfg, eml, mb, t, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Fprintln(stdout, string(out))
	return exitOK
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

// currentRules compiles the rule set in Redis, or rules_file when Redis holds
// none or does not answer, and says which it used.
func currentRules(ctx context.Context, cfg *config.Config) (*routing.Compiled, string, error) {
	known := routing.KnownFrom(cfg)
	redis.SetLogger(redisLogger{newLogger(config.Log{Level: "error"}, io.Discard)})
	rdb, err := newRedisClient(cfg.Redis)
	if err == nil {
		defer rdb.Close()
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		v, err := rulestore.New(rdb, cfg.Redis.Prefix).Current(rctx)
		switch {
		case err == nil:
			c, err := compileRules(v.Rules, known)
			if err != nil {
				return nil, "", fmt.Errorf("rule set version %d in Redis: %w", v.Number, err)
			}
			c.SetVersion(v.Number)
			return c, fmt.Sprintf("version %d from Redis", v.Number), nil
		case errors.Is(err, fault.ErrNotFound):
		default:
			if cfg.RulesFile == "" {
				return nil, "", err
			}
		}
	}
	if cfg.RulesFile == "" {
		c, err := compileRules([]byte(`{"rules": []}`), known)
		return c, "none (no version in Redis, no rules_file)", err
	}
	data, err := os.ReadFile(cfg.RulesFile)
	if err != nil {
		return nil, "", fmt.Errorf("rules_file: %w", err)
	}
	c, err := compileRules(data, known)
	if err != nil {
		return nil, "", fmt.Errorf("rules_file %s: %w", cfg.RulesFile, err)
	}
	return c, "rules_file " + cfg.RulesFile, nil
}

func compileRules(data []byte, known routing.Known) (*routing.Compiled, error) {
	rs, err := routing.Parse(data)
	if err != nil {
		return nil, err
	}
	return routing.Compile(rs, known)
}
