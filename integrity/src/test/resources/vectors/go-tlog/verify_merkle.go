// Checks Merkle roots and proofs written by the Java library with Go's reference transparency-log
// code, golang.org/x/mod/sumdb/tlog (RFC 6962 hashing), which shares nothing with Attestream.
//
// Input (argument 1): tab-separated lines
//   leaves	<hex leaf data>,<hex leaf data>,...
//   root	<n>	<hex root>
//   inclusion	<index>	<tree size>	<hex path, comma-separated, '-' when empty>
//   consistency	<size1>	<size2>	<hex path, comma-separated, '-' when empty>
// Every root must equal tlog.TreeHash, every proof must pass tlog.CheckRecord / tlog.CheckTree, and
// the same proof with one bit flipped must fail. Prints "OK roots=R inclusion=I consistency=C" and
// exits 0, or prints each failure and exits 1.
//
// Run: GO111MODULE=off GOPATH=/usr/share/gocode go run verify_merkle.go proofs.tsv
// (Debian packages golang-go and golang-golang-x-mod-dev.)
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

func hashes(cell string) []tlog.Hash {
	if cell == "-" {
		return nil
	}
	var out []tlog.Hash
	for _, s := range strings.Split(cell, ",") {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 32 {
			panic("bad hash " + s)
		}
		var h tlog.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out
}

func flip(p []tlog.Hash) []tlog.Hash {
	q := append([]tlog.Hash(nil), p...)
	q[len(q)/2][7] ^= 0x10
	return q
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	var leaves [][]byte
	roots := map[int64]tlog.Hash{}
	failures, nRoots, nInc, nCons := 0, 0, 0, 0
	fail := func(format string, args ...interface{}) {
		fmt.Printf("FAIL "+format+"\n", args...)
		failures++
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		r := strings.Split(sc.Text(), "\t")
		switch r[0] {
		case "leaves":
			for _, s := range strings.Split(r[1], ",") {
				b, _ := hex.DecodeString(s)
				leaves = append(leaves, b)
				hs, err := tlog.StoredHashes(int64(len(leaves)-1), b, reader)
				if err != nil {
					panic(err)
				}
				stored = append(stored, hs...)
			}
		case "root":
			n, _ := strconv.ParseInt(r[1], 10, 64)
			want := hashes(r[2])[0]
			got, err := tlog.TreeHash(n, reader)
			if err != nil || got != want {
				fail("root %d: java %v, tlog %v (%v)", n, want, got, err)
			}
			roots[n] = want
			nRoots++
		case "inclusion":
			m, _ := strconv.ParseInt(r[1], 10, 64)
			n, _ := strconv.ParseInt(r[2], 10, 64)
			p := hashes(r[3])
			leaf := tlog.RecordHash(leaves[m])
			if err := tlog.CheckRecord(p, n, roots[n], m, leaf); err != nil {
				fail("inclusion %d in %d: %v", m, n, err)
			}
			if len(p) > 0 && tlog.CheckRecord(flip(p), n, roots[n], m, leaf) == nil {
				fail("inclusion %d in %d: flipped proof accepted", m, n)
			}
			nInc++
		case "consistency":
			m, _ := strconv.ParseInt(r[1], 10, 64)
			n, _ := strconv.ParseInt(r[2], 10, 64)
			p := hashes(r[3])
			if err := tlog.CheckTree(p, n, roots[n], m, roots[m]); err != nil {
				fail("consistency %d -> %d: %v", m, n, err)
			}
			if len(p) > 0 && tlog.CheckTree(flip(p), n, roots[n], m, roots[m]) == nil {
				fail("consistency %d -> %d: flipped proof accepted", m, n)
			}
			nCons++
		}
	}
	if failures > 0 {
		os.Exit(1)
	}
	fmt.Printf("OK roots=%d inclusion=%d consistency=%d\n", nRoots, nInc, nCons)
}
