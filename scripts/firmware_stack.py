#!/usr/bin/python3
"""Worst stack depth of every entry point of the C firmware kit, from GCC's
-fstack-usage (.su) files and -fcallgraph-info (.ci) call graphs.

  firmware_stack.py LIBC_A DIR        (DIR holds the .su and .ci files of one build)

Method. A function's .su figure is all the stack its body takes (pushed
registers, the return address on ARM included, locals, spills); a call adds no
more (BL keeps the return address in LR, which the callee's figure counts if it
pushes it). So the deepest the stack goes under an entry point is the largest
sum of .su figures along a path of the call graph from it; the kit has no
recursion (a cycle is refused) and every figure must be "static" (a
"dynamic" frame is refused). Calls the .ci files name but the kit does not
define are of three sorts:
  - the C library (memset, memcpy, memchr, strlen): their frames are read from the
    disassembly of the multilib's libc.a (the registers of the PUSH and any
    SUB SP at their entry); each must be a leaf (no BL), else this fails;
  - __indirect_call: the caller's callbacks (putc, command handlers). They
    are the caller's code: their frames are not counted, and for each entry
    point the depth at which a callback is entered is printed, to which the
    callback's own worst depth adds;
  - anything else: refused (it would be a call the method does not see).
Prints one line per public function:  name depth depth-at-callback ('-' if none);
with COMFRAME_STACK_ALL=1 in the environment, one per function, static ones as FILE:name.
"""
import glob
import os
import re
import subprocess
import sys


def fail(message):
    sys.stderr.write("firmware_stack.py: " + message + "\n")
    sys.exit(1)


def libc_frame(libc, name):
    """Stack a leaf libc function takes, from its disassembly."""
    out = subprocess.run(["arm-none-eabi-objdump", "-d", libc], capture_output=True, text=True, check=True).stdout
    body = re.search(r"^[0-9a-f]+ <" + re.escape(name) + r">:\n(.*?)(?:\n\n|\Z)", out, re.S | re.M)
    if body is None:
        fail("%s is called by the kit but is not in %s" % (name, libc))
    frame = 0
    for line in body.group(1).splitlines():
        if re.search(r"\sbl[x]?\s", line) or re.search(r"\sblx\s", line):
            fail("%s in %s calls another function: its stack is not analysed" % (name, libc))
        if re.search(r"\[sp, #-\d+\]!", line):
            fail("%s in %s stores below the stack pointer in a way this script does not read" % (name, libc))
        push = re.search(r"\s(?:push(?:\.w)?|stmdb(?:\.w)?\s+sp!),?\s*\{([^}]*)\}", line)
        if push:
            regs = 0
            for part in push.group(1).split(","):
                part = part.strip()
                if "-" in part:
                    a, b = part.split("-")
                    regs += int(b.strip()[1:]) - int(a.strip()[1:]) + 1
                else:
                    regs += 1
            frame += 4 * regs
        sub = re.search(r"\ssubw?(?:\.w)?\s+sp, (?:sp, )?#(\d+)", line)
        if sub:
            frame += int(sub.group(1))
    return frame


def main():
    if len(sys.argv) != 3:
        fail("usage: firmware_stack.py LIBC_A DIR")
    libc, folder = sys.argv[1], sys.argv[2]
    frames = {}  # qualified name -> bytes
    public = set()
    for su in sorted(glob.glob(os.path.join(folder, "*.su"))):
        with open(su) as f:
            for line in f:
                where, name_bytes = line.rstrip("\n").rsplit(":", 1)
                name, size, kind = name_bytes.split("\t")
                if kind != "static":
                    fail("%s: %s has a %s frame (%s bytes): its depth is not bounded" % (su, name, kind, size))
                frames[(os.path.basename(where.split(":")[0]), name)] = int(size)
    # .ci: node titles are "name" for public functions, "FILE:name" for static ones.
    edges = {}
    defined = {}
    for ci in sorted(glob.glob(os.path.join(folder, "*.ci"))):
        with open(ci) as f:
            text = f.read()
        for title, label in re.findall(r'node: \{ title: "([^"]*)" label: "([^"]*)"', text):
            m = re.search(r"\\n([^\\]*):\d+:\d+\\n(\d+) bytes \((\w+)\)", label)
            if not m:
                continue
            name = title.split(":")[-1]
            key = (os.path.basename(m.group(1)), name)
            if key not in frames:
                # A clone GCC made (foo.constprop.0, foo.isra.0) is "foo.constprop" in the .su file.
                key = (key[0], re.sub(r"\.\d+$", "", name))
            if key not in frames:
                fail("%s: %s has no .su entry" % (ci, title))
            defined[title] = frames[key]
            if ":" not in title:
                public.add(title)
        for src, dst in re.findall(r'edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"', text):
            edges.setdefault(src, set()).add(dst)
    leaf_libc = {}
    memo = {}

    def depth(node, path):
        """(worst depth, worst depth at which a callback is entered or None)."""
        if node in memo:
            return memo[node]
        if node in path:
            fail("recursion: " + " -> ".join(path + [node]))
        if node == "__indirect_call":
            return (0, 0)
        if node in defined:
            own = defined[node]
        else:
            if node not in leaf_libc:
                if node not in ("memset", "memcpy", "memmove", "memchr", "strlen", "memcmp"):
                    fail("the kit calls %s, which it does not define and which is not a C library function" % node)
                leaf_libc[node] = libc_frame(libc, node)
            own = leaf_libc[node]
        worst, at_callback = 0, None
        for callee in sorted(edges.get(node, ())):
            d, c = depth(callee, path + [node])
            worst = max(worst, d)
            if c is not None:
                at_callback = c if at_callback is None else max(at_callback, c)
        result = (own + worst, None if at_callback is None else own + at_callback)
        memo[node] = result
        return result

    # With COMFRAME_STACK_ALL=1, static functions too (a firmware's handler adapters and
    # callbacks, whose depth adds to the depth at which the kit enters a callback).
    shown = sorted(defined) if os.environ.get("COMFRAME_STACK_ALL") == "1" else sorted(public)
    for name in shown:
        d, c = depth(name, [])
        print("%s %d %s" % (name, d, "-" if c is None else str(c)))
    for name, size in sorted(leaf_libc.items()):
        print("# libc %s %d" % (name, size))


main()
