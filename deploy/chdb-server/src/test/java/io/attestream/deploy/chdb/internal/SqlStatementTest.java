package io.attestream.deploy.chdb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class SqlStatementTest {

    @Test
    void findsTheLeadingKeywordPastCommentsAndCase() {
        assertThat(SqlStatement.parse("  -- hi\n/* c /* nested */ */ select 1").keyword()).isEqualTo("SELECT");
        assertThat(SqlStatement.parse("(SELECT 1)").isStreamable()).isTrue();
        assertThat(SqlStatement.parse("SELECT 1 FORMAT JSON;").outputFormat()).isEqualTo("JSON");
        assertThat(SqlStatement.parse("DESCRIBE TABLE t").isStreamable()).isFalse();
        assertThat(SqlStatement.parse("insert into t values (1)").keyword()).isEqualTo("INSERT");
        assertThat(SqlStatement.parse("   ").keyword()).isEmpty();
        assertThat(SqlStatement.parse("CREATE TABLE t (a UInt8) ENGINE=Memory").isStreamable()).isFalse();
    }

    @Test
    void rejectsASecondStatementButToleratesTrailingSemicolons() {
        assertThat(SqlStatement.parse("SELECT 1; SELECT 2").multiStatement()).isTrue();
        assertThat(SqlStatement.parse("SELECT 1;").multiStatement()).isFalse();
        assertThat(SqlStatement.parse("SELECT 1 ; ;  -- bye").multiStatement()).isFalse();
        assertThat(SqlStatement.parse("SELECT 'a;b', \"c;d\", `e;f` -- ; x").multiStatement()).isFalse();
        assertThat(SqlStatement.parse("SELECT 'it''s;' ; DROP TABLE t").multiStatement()).isTrue();
        assertThat(SqlStatement.parse("SELECT 'esc\\';' ; SET readonly=0").multiStatement()).isTrue();
    }

    @Test
    void locatesFormatDataAfterTheFormatNameAndOneNewline() {
        String sql = "INSERT INTO t (a, b) FORMAT RowBinary\n\n\nbinary";
        SqlStatement st = SqlStatement.parse(sql);
        assertThat(st.hasInsertData()).isTrue();
        assertThat(st.format()).isEqualTo("RowBinary");
        assertThat(sql.substring(st.dataMarker())).startsWith("FORMAT");
        assertThat(sql.substring(st.dataStart())).isEqualTo("\n\nbinary");
    }

    @Test
    void locatesValuesAndASettingsClauseBeforeIt() {
        String sql = "INSERT INTO db.t SETTINGS async_insert=0 VALUES (1, 'x\n\ny')";
        SqlStatement st = SqlStatement.parse(sql);
        assertThat(st.format()).isEqualTo("Values");
        assertThat(sql.substring(st.settingsStart())).startsWith("SETTINGS");
        assertThat(sql.substring(st.dataStart())).isEqualTo(" (1, 'x\n\ny')");
    }

    @Test
    void ignoresKeywordsInsideStringsIdentifiersAndSubqueries() {
        assertThat(SqlStatement.parse("INSERT INTO `FORMAT` SELECT * FROM values('a UInt8', 1)").hasInsertData())
                .isFalse();
        assertThat(SqlStatement.parse("INSERT INTO t SELECT 'VALUES'").hasInsertData()).isFalse();
        assertThat(SqlStatement.parse("INSERT INTO t FROM INFILE '/x' FORMAT CSV").hasInsertData()).isFalse();
        assertThat(SqlStatement.parse("SELECT 1 FORMAT JSON").hasInsertData()).isFalse();
    }

    @Test
    void survivesBinaryGarbageAndUnterminatedQuotes() {
        byte[] junk = new byte[4096];
        new java.util.Random(3).nextBytes(junk);
        SqlStatement.parse(junk, junk.length);
        assertThat(SqlStatement.parse("SELECT 'unterminated").multiStatement()).isFalse();
        assertThat(SqlStatement.parse("/* unterminated").keyword()).isEmpty();
        byte[] cut = "INSERT INTO t FORMAT Row".getBytes(StandardCharsets.UTF_8);
        assertThat(SqlStatement.parse(cut, cut.length).dataStart()).isEqualTo(cut.length);
    }

    @Test
    void findsIntoOutfileAnywhereButInQuotesAndComments() {
        assertThat(SqlStatement.parse("SELECT 1 INTO OUTFILE '/x' TRUNCATE").intoOutfile()).isTrue();
        assertThat(SqlStatement.parse("select 1 into /* c */ outfile '/x' append format TSV").intoOutfile()).isTrue();
        assertThat(SqlStatement.parse("EXPLAIN SELECT 1 INTO\n-- c\nOUTFILE '/x'").intoOutfile()).isTrue();
        assertThat(SqlStatement.parse("SHOW TABLES INTO OUTFILE '/x'").intoOutfile()).isTrue();
        assertThat(SqlStatement.parse("SELECT * FROM (SELECT 1) INTO OUTFILE '/x' AND STDOUT").intoOutfile()).isTrue();
        assertThat(SqlStatement.parse("SELECT 'INTO OUTFILE', `INTO` AS outfile -- INTO OUTFILE").intoOutfile())
                .isFalse();
        assertThat(SqlStatement.parse("SELECT 1 /* INTO OUTFILE '/x' */").intoOutfile()).isFalse();
    }

    @Test
    void findsCallsOfTheFileFunction() {
        assertThat(SqlStatement.parse("SELECT file('/etc/hostname')").fileFunction()).isTrue();
        assertThat(SqlStatement.parse("SELECT length(FILE /* c */ ('/x'))").fileFunction()).isTrue();
        assertThat(SqlStatement.parse("SELECT * FROM file('/x', 'CSV')").fileFunction()).isTrue();
        assertThat(SqlStatement.parse("SELECT file FROM t WHERE file = 'file('").fileFunction()).isFalse();
        assertThat(SqlStatement.parse("SELECT `file`(1)").fileFunction()).isFalse();
    }
}
