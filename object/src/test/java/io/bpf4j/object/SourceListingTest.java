package io.bpf4j.object;

import io.bpf4j.isa.text.Disassembler;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SourceListingTest {
    @Test
    void sourceLinesFromBtfAreInterleavedWithTheListing() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("subprogs.o"));
        ProgramSpec p = spec.program("xdp_squares");
        String listing = SourceListing.of(p);
        List<String> instructionLines = new ArrayList<>(), sourceLines = new ArrayList<>(), headers = new ArrayList<>();
        for (String line : listing.split("\n")) {
            if (line.startsWith("; ")) sourceLines.add(line.substring(2));
            else if (line.endsWith(">:")) headers.add(line);
            else if (!line.isEmpty()) instructionLines.add(line);
        }
        assertThat(String.join("\n", instructionLines) + "\n").isEqualTo(Disassembler.listing(p.instructions()));
        assertThat(headers).containsExactly("0000000000000000 <xdp_squares>:", "0000000000000050 <sum_of_squares>:", "0000000000000088 <square>:");
        // Every quoted line is a line of subprogs.c, in the order the code runs through them.
        List<String> source = List.of(Fixtures.source("subprogs.o").split("\n"));
        assertThat(source).containsAll(sourceLines);
        assertThat(sourceLines).startsWith("\t__u64 len = ctx->data_end - ctx->data;", "\tif (len >= 64)", "\treturn sum_of_squares(len, 2);", "}");
        assertThat(sourceLines).contains("\treturn x * x;");
        // The source line stands right before the instruction that starts it.
        assertThat(listing).contains("; \treturn x * x;\n      18:\t");
    }
}
