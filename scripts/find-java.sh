#!/usr/bin/env bash
# Prints the home of a JDK 25: JAVA_HOME if it is 25, else the java on PATH if it is 25,
# else the first /usr/lib/jvm/*25*. Exits 1 with a message saying what to do when there is none.
is25() { "$1/bin/java" -version 2>&1 | head -n 1 | grep -qE 'version "25([."]|-)'; }
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && is25 "$JAVA_HOME"; then
  echo "$JAVA_HOME"; exit 0
fi
if command -v java >/dev/null 2>&1; then
  home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  if is25 "$home"; then echo "$home"; exit 0; fi
fi
for d in /usr/lib/jvm/*25*; do
  if [ -x "$d/bin/java" ] && is25 "$d"; then echo "$d"; exit 0; fi
done
echo "bpf4j needs JDK 25 and found none: set JAVA_HOME to a JDK 25, put its java on PATH, or install one under /usr/lib/jvm (e.g. Temurin 25)." >&2
exit 1
