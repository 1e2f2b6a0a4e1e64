package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/accounts"
	"frontdesk/config"
	"frontdesk/fault"
)

const usersUsage = `usage: frontdesk users COMMAND [flags]

commands:
  add [-config PATH] -role assistant|manager [-password-stdin] NAME
        create a user; its API token is printed once, alone on the last line.
        With -password-stdin the first line of stdin is its password (at least
        10 characters); without, the user signs in with API tokens only.
  list [-config PATH]
        list the users: name, role, whether away or disabled, when created
  disable [-config PATH] NAME
        disable a user: their web sessions and API tokens end at once, and
        they cannot sign in, nor are tickets assigned to them, until enabled
  enable [-config PATH] NAME
        enable a disabled user; they sign in with their password again, and
        need a new API token (users token)
  role [-config PATH] -role assistant|manager NAME
        give a user another role; it holds for their sessions and tokens at once
  token [-config PATH] [-expires 90d] NAME
        issue a new API token for a user, printed once, alone on the last line,
        and revoke every other token of theirs; -expires (days, d, or a
        duration such as 12h) makes it stop working after that long
`

// usersTimeout bounds one users command's work against Redis.
const usersTimeout = 30 * time.Second

// runUsers manages the users kept in the configuration's Redis.
func runUsers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "add":
		return runUsersAdd(ctx, rest, stdin, stdout, stderr)
	case "list":
		return runUsersList(ctx, rest, stdout, stderr)
	case "disable":
		return runUsersDisable(ctx, rest, stdout, stderr)
	case "enable":
		return runUsersEnable(ctx, rest, stdout, stderr)
	case "role":
		return runUsersRole(ctx, rest, stdout, stderr)
	case "token":
		return runUsersToken(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usersUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "frontdesk users: unknown command %q\n\n%s", cmd, usersUsage)
		return exitUsage
	}
}

func runUsersAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var role *string
	var passwordStdin *bool
	flags := func(fs *flag.FlagSet) func() string {
		role = fs.String("role", "", "the user's role: assistant or manager")
		passwordStdin = fs.Bool("password-stdin", false, "read the password from the first line of stdin")
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
	return runUserCommand(ctx, "add", args, stderr, flags, func(ctx context.Context, store *accounts.Store, name string) int {
		var password string
		if *passwordStdin {
			var err error
			if password, err = readPasswordLine(stdin); err != nil {
				fmt.Fprintf(stderr, "frontdesk: %v\n", err)
				return exitFailure
			}
		}
		token, err := store.Add(ctx, name, accounts.Role(*role), password)
		switch {
		case errors.Is(err, accounts.ErrExists):
			fmt.Fprintf(stderr, "frontdesk: user %s exists\n", name)
			return exitFailure
		case err != nil:
			printAccountsError(stderr, err)
			return exitFailure
		}
		how := "API tokens only"
		if password != "" {
			how = "password or API token"
		}
		fmt.Fprintf(stdout, "created %s %s (signs in with %s); the API token below is shown only this once:\n", *role, name, how)
		fmt.Fprintln(stdout, token)
		return exitOK
	})
}

func runUsersList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("users list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usersUsage) }
	configPath := fs.String("config", "", "configuration file (default $FRONTDESK_CONFIG or ./frontdesk.yaml)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "frontdesk users list: unexpected %q\n\n%s", fs.Args(), usersUsage)
		return exitUsage
	}
	path := config.Resolve(*configPath)
	cfg, err := config.Load(path)
	if err != nil {
		printConfigError(stderr, path, err)
		return exitFailure
	}
	return withAccounts(ctx, cfg, stderr, func(ctx context.Context, store *accounts.Store) int {
		users, err := store.List(ctx)
		if err != nil {
			printAccountsError(stderr, err)
			return exitFailure
		}
		tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tAWAY\tDISABLED\tCREATED")
		yes := map[bool]string{true: "yes", false: "no"}
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, yes[u.Away], yes[u.Disabled], u.CreatedAt.Format(time.RFC3339))
		}
		if err := tw.Flush(); err != nil {
			fmt.Fprintf(stderr, "frontdesk: %v\n", err)
			return exitFailure
		}
		return exitOK
	})
}

// withAccounts connects the configuration's Redis and runs f with the user
// store on it.
func withAccounts(ctx context.Context, cfg *config.Config, stderr io.Writer, f func(context.Context, *accounts.Store) int) int {
	return withRedis(ctx, cfg, stderr, usersTimeout, func(ctx context.Context, rdb redis.UniversalClient) int {
		return f(ctx, accounts.New(rdb, cfg.Redis.Prefix))
	})
}

// printAccountsError writes err as one line, saying so when Redis is at fault.
func printAccountsError(w io.Writer, err error) {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if fault.IsUnavailable(err) {
		fmt.Fprintf(w, "frontdesk: redis does not answer: %s\n", msg)
		return
	}
	fmt.Fprintf(w, "frontdesk: %s\n", strings.Replace(msg, fault.ErrInvalid.Error()+": ", "", 1))
}

// readPasswordLine reads a password from the first line of r, without its
// line ending.
func readPasswordLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("-password-stdin: the first line of stdin is empty; give a password or leave out -password-stdin")
	}
	if err := accounts.ValidatePassword(line); err != nil {
		return "", errors.New(strings.TrimPrefix(err.Error(), fault.ErrInvalid.Error()+": "))
	}
	return line, nil
}

// parseInterspersed parses fs's flags wherever they stand among args and
// returns the other arguments, so that "users add ann -role manager" works
// like "users add -role manager ann". After "--" everything is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if consumed := len(args) - len(left); consumed > 0 && args[consumed-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}
