package dev.cirque.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cirque.core.CirqueException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellWordsTest {

    @Test
    void splitsOnBlanksAndFoldsRuns() {
        assertEquals(List.of("ip", "addr", "show", "eth0"), ShellWords.split("  ip addr\tshow   eth0 "));
    }

    @Test
    void keepsQuotedTextAsOneWord() {
        assertEquals(List.of("sh", "-c", "echo a  b; exit 3"), ShellWords.split("sh -c 'echo a  b; exit 3'"));
        assertEquals(List.of("echo", "a \"q\" $HOME"), ShellWords.split("echo \"a \\\"q\\\" $HOME\""));
    }

    @Test
    void joinsAdjacentQuotedAndBarePartsLikeAShell() {
        assertEquals(List.of("--name=a b", "x"), ShellWords.split("--name='a b' x"));
        assertEquals(List.of(""), ShellWords.split("''"));
    }

    @Test
    void backslashEscapesOutsideQuotesButNotInsideSingleQuotes() {
        assertEquals(List.of("a b", "c\\d"), ShellWords.split("a\\ b 'c\\d'"));
        assertEquals(List.of("a\\b"), ShellWords.split("\"a\\b\""));
    }

    @Test
    void nothingIsExpanded() {
        assertEquals(List.of("echo", "$PATH", "*", "|", "wc"), ShellWords.split("echo $PATH * | wc"));
    }

    @Test
    void emptyOrBlankGivesNoWords() {
        assertEquals(List.of(), ShellWords.split(""));
        assertEquals(List.of(), ShellWords.split(" \t\n"));
    }

    @Test
    void unbalancedQuotesAreInvalidArguments() {
        CirqueException e = assertThrows(CirqueException.class, () -> ShellWords.split("echo 'oops"));
        assertEquals(CirqueException.Kind.INVALID_ARGUMENT, e.kind());
        assertThrows(CirqueException.class, () -> ShellWords.split("echo \"oops"));
        assertThrows(CirqueException.class, () -> ShellWords.split("echo oops\\"));
    }

    @Test
    void joinIsTheInverseOfSplit() {
        List<String> words = List.of("sh", "-c", "echo 'it''s' \"$x\" | wc -c", "", "a b", "--k=v", "back\\slash");
        assertEquals(words, ShellWords.split(ShellWords.join(words)));
        assertEquals("ls -la /tmp", ShellWords.join(List.of("ls", "-la", "/tmp")));
    }
}
