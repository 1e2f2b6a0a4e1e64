package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"frontdesk/accounts"
	"frontdesk/fault"
)

// runUsersDisable disables a user: their sessions and API tokens end at once
// and they cannot sign in until enabled.
func runUsersDisable(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runUserCommand(ctx, "disable", args, stderr, nil, func(ctx context.Context, store *accounts.Store, name string) int {
		disabled := true
		if _, err := store.Change(ctx, name, accounts.Change{Disabled: &disabled}); err != nil {
			return printUserError(stderr, name, err)
		}
		fmt.Fprintf(stdout, "disabled %s: their sessions and API tokens are ended; `frontdesk users enable %s` lets them sign in again\n", name, name)
		return exitOK
	})
}

// runUsersEnable enables a disabled user again.
func runUsersEnable(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runUserCommand(ctx, "enable", args, stderr, nil, func(ctx context.Context, store *accounts.Store, name string) int {
		disabled := false
		if _, err := store.Change(ctx, name, accounts.Change{Disabled: &disabled}); err != nil {
			return printUserError(stderr, name, err)
		}
		fmt.Fprintf(stdout, "enabled %s: they sign in with their password; `frontdesk users token %s` gives them a new API token\n", name, name)
		return exitOK
	})
}

// runUsersRole gives a user another role, which holds for their sessions and
// tokens from their next request on.
func runUsersRole(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var role *string
	flags := func(fs *flag.FlagSet) func() string {
		role = fs.String("role", "", "the user's new role: assistant or manager")
		return func() string {
			switch {
			case *role == "":
				return "-role is required: assistant or manager"
			case !accounts.Role(*role).Valid():
				return fmt.Sprintf("-role %q: must be assistant or manager", *role)
			}
			return ""
		}
	}
	return runUserCommand(ctx, "role", args, stderr, flags, func(ctx context.Context, store *accounts.Store, name string) int {
		r := accounts.Role(*role)
		if _, err := store.Change(ctx, name, accounts.Change{Role: &r}); err != nil {
			return printUserError(stderr, name, err)
		}
		fmt.Fprintf(stdout, "%s is now %s %s\n", name, article(*role), *role)
		return exitOK
	})
}

// runUsersToken issues a new API token for a user and revokes their others.
func runUsersToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var expires time.Duration
	flags := func(fs *flag.FlagSet) func() string {
		s := fs.String("expires", "", "how long the token works, e.g. 90d or 12h (default: until revoked)")
		return func() string {
			if *s == "" {
				return ""
			}
			d, err := parseExpiry(*s)
			if err != nil {
				return fmt.Sprintf("-expires %q: %v", *s, err)
			}
			expires = d
			return ""
		}
	}
	return runUserCommand(ctx, "token", args, stderr, flags, func(ctx context.Context, store *accounts.Store, name string) int {
		token, revoked, err := store.IssueToken(ctx, name, accounts.TokenOptions{Expires: expires, ReplaceOthers: true})
		if err != nil {
			return printUserError(stderr, name, err)
		}
		var notes []string
		if expires > 0 {
			notes = append(notes, "it expires "+time.Now().Add(expires).UTC().Format("2006-01-02 15:04 UTC"))
		}
		notes = append(notes, fmt.Sprintf("%d older %s revoked", revoked, plural(revoked, "token", "tokens")))
		if u, err := store.Get(ctx, name); err == nil && u.Disabled {
			notes = append(notes, fmt.Sprintf("%s is disabled: it works once `frontdesk users enable %s`", name, name))
		}
		fmt.Fprintf(stdout, "new API token for %s (%s); it is shown only this once:\n", name, strings.Join(notes, "; "))
		fmt.Fprintln(stdout, token)
		return exitOK
	})
}

// runUserCommand is what the commands on one user share: the flags
// (-config, and those addFlags adds, whose returned check says what is
// wrong with their values, or ""), one valid NAME, the configuration and
// the store, then do.
func runUserCommand(ctx context.Context, cmd string, args []string, stderr io.Writer,
	addFlags func(*flag.FlagSet) func() string, do func(context.Context, *accounts.Store, string) int) int {
	fs := flag.NewFlagSet("users "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usersUsage) }
	configPath := fs.String("config", "", "configuration file (default $FRONTDESK_CONFIG or ./frontdesk.yaml)")
	check := func() string { return "" }
	if addFlags != nil {
		check = addFlags(fs)
	}
	names, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	usageError := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "frontdesk users %s: "+format+"\n\n%s", append([]any{cmd}, append(a, usersUsage)...)...)
		return exitUsage
	}
	if problem := check(); problem != "" {
		return usageError("%s", problem)
	}
	switch {
	case len(names) == 0:
		return usageError("the user's NAME is missing")
	case len(names) > 1:
		return usageError("one NAME only, got %q", names)
	}
	name := names[0]
	if err := accounts.ValidateName(name); err != nil {
		return usageError("%s", strings.TrimPrefix(err.Error(), fault.ErrInvalid.Error()+": "))
	}
	cfg, ok := readConfig(*configPath, stderr)
	if !ok {
		return exitFailure
	}
	return withAccounts(ctx, cfg, stderr, func(ctx context.Context, store *accounts.Store) int {
		return do(ctx, store, name)
	})
}

// printUserError writes why a command on user name failed, in one line, and
// returns the failure's exit code.
func printUserError(stderr io.Writer, name string, err error) int {
	if errors.Is(err, fault.ErrNotFound) {
		fmt.Fprintf(stderr, "frontdesk: there is no user %s (`frontdesk users list` shows them)\n", name)
		return exitFailure
	}
	printAccountsError(stderr, err)
	return exitFailure
}

// parseExpiry reads a token's lifetime: a number of days ("90d") or a Go
// duration ("12h", "90m"); it must be positive and at most
// accounts.MaxTokenLifetime.
func parseExpiry(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, errors.New("must be a positive number of days (90d) or hours (12h)")
		}
		if n > int(accounts.MaxTokenLifetime/(24*time.Hour)) {
			return 0, fmt.Errorf("must be at most %dd", accounts.MaxTokenLifetime/(24*time.Hour))
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 {
			return 0, errors.New("must be a positive number of days (90d) or hours (12h)")
		}
	}
	if d > accounts.MaxTokenLifetime {
		return 0, fmt.Errorf("must be at most %dd", accounts.MaxTokenLifetime/(24*time.Hour))
	}
	return d, nil
}

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
