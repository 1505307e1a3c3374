// Command verify_notes checks attestream signed checkpoints with Go's reference signed-note
// implementation (golang.org/x/mod/sumdb/note), independently of the Java code.
//
// Usage: verify_notes VKEY_FILE NOTE_FILE...   (prints one line per note; exit 1 if any fails)
//
// Offline, with Debian's golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run verify_notes.go ../test-key.vkey ../checkpoint-acme-agent-1.note
package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: verify_notes VKEY_FILE NOTE_FILE...")
		os.Exit(2)
	}
	vkey, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad verifier key:", err)
		os.Exit(2)
	}
	failed := false
	for _, f := range os.Args[2:] {
		msg, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		n, err := note.Open(msg, note.VerifierList(v))
		if err != nil {
			fmt.Printf("FAIL %s: %v\n", f, err)
			failed = true
			continue
		}
		origin := strings.SplitN(n.Text, "\n", 2)[0]
		fmt.Printf("OK %s origin=%s verified_by=%s\n", f, origin, n.Sigs[0].Name)
	}
	if failed {
		os.Exit(1)
	}
}
