package io.attestream.deploy.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.deploy.stack.junit.LocalStackExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class ClickHouseIT {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void answersSelectOneWithoutCredentialsAsDefaultUser(StackEndpoints stack) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create(stack.clickHouseUrl() + "/?query=SELECT+1")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().strip()).isEqualTo("1");
    }

    @Test
    void auditorReadsButCannotWrite(StackEndpoints stack) throws Exception {
        String table = "it_" + UUID.randomUUID().toString().replace("-", "");
        assertThat(query(stack, stack.clickHouseUser(), stack.clickHousePassword(),
                "CREATE TABLE " + table + " (x UInt32) ENGINE = MergeTree ORDER BY x").statusCode()).isEqualTo(200);
        assertThat(query(stack, stack.clickHouseUser(), stack.clickHousePassword(),
                "INSERT INTO " + table + " VALUES (1), (2)").statusCode()).isEqualTo(200);

        HttpResponse<String> read = query(stack, stack.auditorUser(), stack.auditorPassword(),
                "SELECT sum(x) FROM " + table);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body().strip()).isEqualTo("3");

        HttpResponse<String> write = query(stack, stack.auditorUser(), stack.auditorPassword(),
                "INSERT INTO " + table + " VALUES (3)");
        assertThat(write.statusCode()).isBetween(400, 599);
        assertThat(write.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("164");
        assertThat(query(stack, stack.auditorUser(), stack.auditorPassword(), "DROP TABLE " + table).statusCode())
                .isBetween(400, 599);
        assertThat(query(stack, stack.auditorUser(), stack.auditorPassword(), "SELECT count() FROM " + table)
                .body().strip()).isEqualTo("2");
    }

    @Test
    void theJdbcUrlWorksWithTheUnmodifiedDriverAndTheAuditorIsReadOnlyThere(StackEndpoints stack) throws Exception {
        String table = "it_jdbc_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(stack.clickHouseJdbcUrl(), stack.clickHouseUser(),
                stack.clickHousePassword()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (s String) ENGINE = MergeTree ORDER BY s");
            st.execute("INSERT INTO " + table + " VALUES ('written')");
        }
        try (Connection c = DriverManager.getConnection(stack.clickHouseJdbcUrl(), stack.auditorUser(),
                stack.auditorPassword()); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT s FROM " + table)) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("written");
            }
            assertThatThrownBy(() -> st.execute("INSERT INTO " + table + " VALUES ('by auditor')"))
                    .isInstanceOf(SQLException.class);
        }
    }

    @Test
    void rejectsAWrongPassword(StackEndpoints stack) throws Exception {
        HttpResponse<String> r = query(stack, stack.auditorUser(), stack.auditorPassword() + "-wrong", "SELECT 1");
        assertThat(r.statusCode()).isBetween(400, 499);
    }

    private HttpResponse<String> query(StackEndpoints stack, String user, String password, String sql)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(stack.clickHouseUrl() + "/?query="
                        + URLEncoder.encode(sql, StandardCharsets.UTF_8)))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
