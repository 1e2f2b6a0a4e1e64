package browser

import (
	"os"
	"testing"

	"frontdesk/internal/testbinary"
)

// binary is the frontdesk binary built by TestMain.
var binary string

func TestMain(m *testing.M) { os.Exit(testbinary.Run(m, &binary)) }
